/**
 * `npm run bench`: what users feel, measured against the real control plane
 * and the app as operators run it (`npm start`), with GitHub faked on
 * loopback. Prints `name value unit` lines and appends them to
 * bench/RESULTS.md with the machine they came from. Nothing here fails CI;
 * a run past BENCH_TIMEOUT_MINUTES stops, cleaning up, with an error.
 */
import { CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../test/cluster/bed.ts';
import { archiveMemory } from './archive-memory.ts';
import {
  apps,
  counter,
  figures,
  fixtureChart,
  github,
  machine,
  metric,
  repoRoot,
  repositories,
  sha,
  sleep,
  startApp,
  tenants,
} from './bench-world.ts';
import { burst, writesPerPreview } from './burst.ts';
import { helmReference } from './helm-reference.ts';
import { destroyCost, labelToReady, wakeToReady } from './latency.ts';
import { reconcilePass } from './reconcile-pass.ts';

export const imageNodeOptions = '--max-semi-space-size=2';

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the app does not build');
  const bed = await up();
  const work = await mkdtemp(join(tmpdir(), 'pr-preview-bench-'));
  const kc = new KubeConfig();
  kc.loadFromFile(bed.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  // First 200s are read through the bed's HAProxy, from pods that answer.
  const ingress = 'namespace' in bed.podNetwork ? new URL(bed.ingressUrl) : undefined;
  if ('problem' in bed.podNetwork) console.log(`no first-200 figures: ${bed.podNetwork.problem}`);
  try {
    await github.start();
    const proxied = join(work, 'kubeconfig');
    await counter.start(bed.kubeconfig, proxied);
    for (let r = 0; r < repositories; r++) {
      github.addRepository('bench', `app-${r}`, 5000 + r);
      github.setConfig('bench', `app-${r}`, `app: app-${r}\ntenants: [${tenants.join(', ')}]\n`);
      github.setCommit('bench', `app-${r}`, sha, {
        folders: { [`.cloud/charts/app-${r}`]: fixtureChart },
      });
    }
    const env = {
      // As the image runs it (Dockerfile).
      NODE_OPTIONS: imageNodeOptions,
      LOG_LEVEL: 'info',
      PREVIEW_RECONCILE_INTERVAL: '0',
      PREVIEW_MAX_PER_REPOSITORY: '1000',
      PREVIEW_MAX_TOTAL: '1000',
      // The app's default unless a run asks for another, to compare.
      ...(process.env.BENCH_CONCURRENCY
        ? { PREVIEW_CONCURRENCY: process.env.BENCH_CONCURRENCY }
        : {}),
    };
    const app = await startApp(bed.helm, proxied, env);

    await sleep(3_000);
    figures.add(
      'rss_idle',
      (await metric(app, 'pr_preview_process_resident_memory_bytes')) / 2 ** 20,
      'MiB',
    );

    await labelToReady(app, kc, ingress);
    await wakeToReady(bed.helm, proxied, env, kc, ingress);
    await destroyCost(app);
    await archiveMemory(app);
    await helmReference(bed.helm, bed.kubeconfig, core, networking, ingress);
    // The burst counts no Kubernetes calls: its app talks to the API server
    // directly, so that the counting proxy (in this process) takes none of the
    // machine's two cores from the cluster.
    await app.stop();
    const direct = await startApp(bed.helm, bed.kubeconfig, env);
    await burst(direct, kc);
    figures.add(
      'rss_after_burst',
      (await metric(direct, 'pr_preview_process_resident_memory_bytes')) / 2 ** 20,
      'MiB',
    );
    // Its GitHub Deployments may still be queued: they would be counted in the pass.
    await direct.stop();
    await reconcilePass(bed.helm, proxied, env);
    await writesPerPreview(bed.helm, proxied, env);
  } finally {
    for (const app of apps) await app.stop();
    await counter.stop();
    await github.stop();
    const left = await core.listNamespace({
      labelSelector: 'app.kubernetes.io/managed-by=pr-preview',
    });
    for (const ns of left.items) {
      await core.deleteNamespace({ name: ns.metadata?.name ?? '' }).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
    if (bed.started) await down();
  }
  figures.print();
  await appendFile(join(repoRoot, 'bench', 'RESULTS.md'), figures.markdown(machine()));
}

await main();
