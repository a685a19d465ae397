import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { installTools, type Tools } from './tools.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
/** Stages of our own on top of kwok's fast ones, for failures a test needs to see. */
const bedStages = join(here, 'stages');

/** Everything the bed writes lives here; every process it starts names this path in its arguments. */
export const stateDir = process.env.PR_PREVIEW_CLUSTER_DIR ?? join(repoRoot, '.cluster');
export const kubeconfigPath = join(stateDir, 'kubeconfig');
const statePath = join(stateDir, 'state.json');
const pkiDir = join(stateDir, 'pki');
const logDir = join(stateDir, 'logs');

const fakeNodeCount = 3;
const readyTimeoutMs = 180_000;

interface BedState {
  pids: Record<string, number>;
  commands: Record<string, { command: string; args: string[] }>;
  apiserverPort: number;
  redisPort: number;
  helm: string;
  /** The tools and stages it was started with: a bed started with others is not reused. */
  fingerprint?: string;
}

export interface Bed {
  kubeconfig: string;
  helm: string;
  /** A Redis server on loopback, as replicas of the app share one through REDIS_URL. */
  redisUrl: string;
  /** False when an already running bed was reused. */
  started: boolean;
}

type Log = (line: string) => void;

export async function up(log: Log = console.log): Promise<Bed> {
  const tools = installTools(log);
  const running = readState();
  const fingerprint = bedFingerprint(tools);
  if (
    running?.fingerprint === fingerprint &&
    allAlive(running) &&
    (await isReady(running.apiserverPort))
  ) {
    log(`test cluster already up: KUBECONFIG=${kubeconfigPath}`);
    return {
      kubeconfig: kubeconfigPath,
      helm: tools.helm,
      redisUrl: redisUrl(running.redisPort),
      started: false,
    };
  }
  await down(() => {});
  const started = Date.now();
  mkdirSync(logDir, { recursive: true });
  run(tools.kubeBed, ['certs', pkiDir]);
  const [etcdClient, etcdPeer, apiserver, kwokServer, redis] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  writeKubeconfig(apiserver);

  const pids: Record<string, number> = {};
  const state: BedState = {
    pids,
    commands: {},
    apiserverPort: apiserver,
    redisPort: redis,
    helm: tools.helm,
    fingerprint,
  };
  const start = (name: string, command: string, args: string[]) => {
    state.commands[name] = { command, args };
    pids[name] = startDetached(name, command, args);
    writeFileSync(statePath, JSON.stringify(state, null, 2));
  };
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  start('etcd', tools.kubeBed, [
    'etcd',
    '--name=bed',
    `--data-dir=${join(stateDir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=bed=${peerUrl}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  start('kube-apiserver', tools.kubeBed, apiserverArgs({ apiserver, etcdUrl }));
  // Keeps nothing on disk; its --dir names the bed, so `down` finds it like the rest.
  mkdirSync(join(stateDir, 'redis'), { recursive: true });
  start('redis-server', tools.redisServer, [
    '--bind',
    '127.0.0.1',
    '--port',
    String(redis),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    join(stateDir, 'redis'),
  ]);
  await waitFor('kube-apiserver /readyz', () => isReady(apiserver), pids);
  const kubeconfigFlag = `--kubeconfig=${kubeconfigPath}`;
  start('kube-controller-manager', tools.kubeBed, [
    'kube-controller-manager',
    kubeconfigFlag,
    `--service-account-private-key-file=${join(pkiDir, 'sa.key')}`,
    `--root-ca-file=${join(pkiDir, 'ca.crt')}`,
    // Each controller acts as its own ServiceAccount in kube-system, as kubeadm starts it:
    // admission policies tell the cluster's controllers from everyone else by that name.
    '--use-service-account-credentials=true',
    '--leader-elect=false',
    '--secure-port=0',
  ]);
  start('kube-scheduler', tools.kubeBed, [
    'kube-scheduler',
    kubeconfigFlag,
    '--leader-elect=false',
    '--secure-port=0',
  ]);
  start('kwok', tools.kwok, [
    kubeconfigFlag,
    `--config=${tools.kwokStages}`,
    ...readdirSync(bedStages)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => `--config=${join(bedStages, file)}`),
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--manage-nodes-with-label-selector=',
    '--manage-single-node=',
    '--cidr=10.0.0.0/16',
    '--node-ip=10.0.0.1',
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${kwokServer}`,
  ]);
  await createFakeNodes();
  await waitFor(`${fakeNodeCount} kwok nodes Ready`, readyNodesPresent, pids);
  log(
    `test cluster up in ${Math.round((Date.now() - started) / 1000)} s: KUBECONFIG=${kubeconfigPath}`,
  );
  return {
    kubeconfig: kubeconfigPath,
    helm: tools.helm,
    redisUrl: redisUrl(redis),
    started: true,
  };
}

function redisUrl(port: number): string {
  return `redis://127.0.0.1:${port}`;
}

/** The binaries, the stage files and this file's flags that a bed runs with. */
function bedFingerprint(tools: Tools): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(tools))
    .update(readFileSync(fileURLToPath(import.meta.url)));
  for (const file of readdirSync(bedStages).sort()) {
    hash.update(file).update(readFileSync(join(bedStages, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Kills one component, as an outage would; `startComponent` brings it back with the same flags. */
export async function stopComponent(name: string): Promise<void> {
  const state = readState();
  const pid = state?.pids[name];
  if (!state || pid === undefined) throw new Error(`no ${name} in the test cluster`);
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

export async function startComponent(name: string): Promise<void> {
  const state = readState();
  const spec = state?.commands[name];
  if (!state || !spec) throw new Error(`no ${name} in the test cluster`);
  state.pids[name] = startDetached(name, spec.command, spec.args);
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  if (name === 'kube-apiserver')
    await waitFor('kube-apiserver /readyz', () => isReady(state.apiserverPort), state.pids);
}

/** Stops every process of this bed, including ones a crashed run left without a state file. */
export async function down(log: Log = console.log): Promise<void> {
  const pids = new Set<number>([
    ...Object.values(readState()?.pids ?? {}),
    ...processesNaming(stateDir),
  ]);
  const alive = [...pids].filter(isAlive);
  for (const pid of alive) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of alive.filter(isAlive)) signal(pid, 'SIGKILL');
  while (alive.some(isAlive)) await sleep(50);
  for (const entry of ['state.json', 'kubeconfig', 'etcd', 'pki', 'redis']) {
    rmSync(join(stateDir, entry), { recursive: true, force: true });
  }
  if (alive.length > 0) log(`test cluster down: stopped ${alive.length} processes`);
}

function apiserverArgs(ports: { apiserver: number; etcdUrl: string }): string[] {
  const pki = (file: string) => join(pkiDir, file);
  return [
    'kube-apiserver',
    `--etcd-servers=${ports.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${pki('generated')}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // Loopback is not a valid endpoint for the kubernetes Service; nothing in
    // the bed needs that Service's endpoints.
    '--endpoint-reconciler-type=none',
    '--authorization-mode=RBAC',
    // As kubeadm, kops and cloud providers start it: privileged pods are the
    // business of Pod Security admission (on by default), not of this flag.
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
  ];
}

function writeKubeconfig(port: number): void {
  const ca = readFileSync(join(pkiDir, 'ca.crt')).toString('base64');
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: bed
    cluster:
      server: https://127.0.0.1:${port}
      certificate-authority-data: ${ca}
users:
  - name: admin
    user:
      client-certificate: ${join(pkiDir, 'admin.crt')}
      client-key: ${join(pkiDir, 'admin.key')}
contexts:
  - name: bed
    context: { cluster: bed, user: admin }
current-context: bed
`;
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
}

function startDetached(name: string, command: string, args: string[]): number {
  const logFile = openSync(join(logDir, `${name}.log`), 'a');
  // Detached in its own process group: the bed outlives the test run that
  // started it, so a second run can reuse it.
  // The bed's path in its environment, too: a process that rewrites its title (redis-server) is found by it.
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, PR_PREVIEW_BED: `${stateDir}/` },
  });
  closeSync(logFile);
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${command})`);
  return child.pid;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  pids: Record<string, number>,
): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    const dead = Object.entries(pids).find(([, pid]) => !isAlive(pid));
    if (dead) {
      throw new Error(`${dead[0]} exited while waiting for ${what}:\n${logTail(dead[0])}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  const tails = Object.keys(pids)
    .map((name) => `--- ${name}\n${logTail(name)}`)
    .join('\n');
  throw new Error(`timed out after ${readyTimeoutMs / 1000} s waiting for ${what}\n${tails}`);
}

function logTail(name: string): string {
  const path = join(logDir, `${name}.log`);
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').split('\n').slice(-25).join('\n');
}

function isReady(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/readyz',
        ca: readFileSync(join(pkiDir, 'ca.crt')),
        cert: readFileSync(join(pkiDir, 'admin.crt')),
        key: readFileSync(join(pkiDir, 'admin.key')),
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode === 200);
      },
    );
    req.on('error', () => resolvePromise(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function coreApi(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
}

const nodeResources = { cpu: '1000', memory: '4Ti', pods: '1000', 'ephemeral-storage': '10Ti' };

async function createFakeNodes(): Promise<void> {
  const api = coreApi();
  for (let i = 0; i < fakeNodeCount; i++) {
    const name = `kwok-node-${i}`;
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': name,
          type: 'kwok',
        },
      },
      // Like a real node, with local storage: pods that request ephemeral storage fit.
      status: {
        allocatable: nodeResources,
        capacity: nodeResources,
      },
    };
    await api.createNode({ body: node });
  }
}

async function readyNodesPresent(): Promise<boolean> {
  const nodes = await coreApi().listNode();
  const ready = nodes.items.filter((node) =>
    node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length >= fakeNodeCount;
}

function readState(): BedState | undefined {
  if (!existsSync(statePath)) return undefined;
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as BedState;
  } catch {
    return undefined;
  }
}

function allAlive(state: BedState): boolean {
  return Object.values(state.pids).every(isAlive);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is gone for our purposes.
  const stat = readFileSafe(`/proc/${pid}/stat`);
  return stat === undefined || !/^\d+ \(.*\) Z/.test(stat);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Processes whose command line or environment names the path: the bed's own,
 * and apps under test that point at its kubeconfig, whatever state survived.
 */
function processesNaming(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = readFileSafe(`/proc/${entry}/cmdline`)?.split('\0') ?? [];
    const environ = readFileSafe(`/proc/${entry}/environ`)?.split('\0') ?? [];
    const names = (item: string) => item.includes(`${path}/`);
    const named = (v: string) => /^(KUBECONFIG|PR_PREVIEW_BED)=/.test(v) && names(v);
    if (cmdline.some(names) || environ.some(named)) {
      found.push(Number(entry));
    }
  }
  return found;
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolveServer, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  return ports;
}

export type { Tools };
