import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { log, onChanges } from './informers.ts';
import { podAnswers } from './pod-answers.ts';

/**
 * Makes the bed's kwok pods answer HTTP: this host half watches pods through
 * the API server and sends the table of who owns which IP and port to its
 * listening half (pod-listener.ts), which it starts inside the bed's network
 * namespace, where the API server cannot be reached and need not be.
 */
export interface ResponderSettings {
  kubeconfig: string;
  /** The network namespace the listener runs in. */
  namespace: string;
  /** Written once the listener answers for the pods of the first table. */
  readyFile: string;
}

async function run(settings: ResponderSettings): Promise<void> {
  const listenerPath = join(dirname(fileURLToPath(import.meta.url)), 'pod-listener.ts');
  const listener = spawn(
    'ip',
    ['netns', 'exec', settings.namespace, process.execPath, listenerPath, settings.readyFile],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  listener.once('exit', (code, signal) => {
    log(`the listener exited (code ${code}, signal ${signal}): pods no longer answer`);
    process.exit(1);
  });
  let ready = false;
  createInterface({ input: listener.stdout }).on('line', (line) => {
    log(`listener: ${line}`);
    if (!ready) {
      ready = true;
      writeFileSync(settings.readyFile, `${new Date().toISOString()}\n`);
    }
  });

  const kc = new KubeConfig();
  kc.loadFromFile(settings.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const pods = makeInformer<V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  let pending: NodeJS.Timeout | undefined;
  let last = '';
  const send = () => {
    pending = undefined;
    const table = JSON.stringify(Object.fromEntries(podAnswers(pods.list())));
    if (table === last) return;
    last = table;
    listener.stdin.write(`${table}\n`);
  };
  // A rollout changes many pods at once: one table per burst.
  const schedule = () => {
    pending ??= setTimeout(send, 50);
  };
  onChanges(pods, schedule);
  await pods.start();
  send();
}

if (import.meta.main) {
  const [kubeconfig, namespace, readyFile] = process.argv.slice(2);
  if (!kubeconfig || !namespace || !readyFile) {
    throw new Error('usage: pod-responder.ts <kubeconfig> <netns> <ready-file>');
  }
  await run({ kubeconfig, namespace, readyFile });
}
