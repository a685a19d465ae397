import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  setExternalNameTargets as setTargets,
  startFirst,
  startWatchers,
  trafficLeftovers,
  trafficReady,
  type Traffic,
} from './bed-traffic.ts';
import { createClusterObjects, fakeNodeCount, readyNodesPresent } from './cluster-objects.ts';
import { controlPlaneCommands, isApiserverReady, writeKubeconfig } from './control-plane.ts';
import {
  deletePodNetwork,
  podCidr,
  podNetworkFor,
  podNetworkProblem,
  type PodNetwork,
} from './pod-network.ts';
import {
  freePorts,
  isAlive,
  processesNaming,
  run,
  signal,
  startDetached,
  waitFor,
} from './processes.ts';
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

interface BedState {
  pids: Record<string, number>;
  commands: Record<string, { command: string; args: string[] }>;
  apiserverPort: number;
  redisPort: number;
  ingressPort: number;
  metricsPort: number;
  prometheusPort: number;
  /** The network namespace where pods answer; absent when this machine cannot have one. */
  podNetwork?: PodNetwork;
  podNetworkProblem?: string;
  helm: string;
  /** The tools and the bed's own files it was started with: a bed started with others is not reused. */
  fingerprint?: string;
}

export interface Bed {
  kubeconfig: string;
  helm: string;
  /** Debian's chromium (a launcher script), for tests of pages in a real browser. */
  chromium: string;
  /** A Redis server on loopback, as replicas of the app share one through REDIS_URL. */
  redisUrl: string;
  /** HAProxy's HTTP frontend: send a preview's host in the Host header. */
  ingressUrl: string;
  /** HAProxy's Prometheus exporter. */
  metricsUrl: string;
  /** A Prometheus scraping that exporter each second: its HTTP API (`/api/v1/query`) and UI. */
  prometheusUrl: string;
  /** The network namespace where pods answer, or why pods do not answer on this machine. */
  podNetwork: { namespace: string } | { problem: string };
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
    (await isApiserverReady(running.apiserverPort, pkiDir))
  ) {
    const bed = bedOf(running, tools, false);
    log(`test cluster already up: KUBECONFIG=${kubeconfigPath}\n${addresses(bed)}`);
    return bed;
  }
  await down(() => {});
  const started = Date.now();
  mkdirSync(logDir, { recursive: true });
  run(tools.kubeBed, ['certs', pkiDir]);
  const [etcdClient, etcdPeer, apiserver, kwokServer, redis, ingressPort, metricsPort, prometheus] =
    (await freePorts(8)) as [number, number, number, number, number, number, number, number];
  writeKubeconfig(kubeconfigPath, apiserver, pkiDir);
  const problem = podNetworkProblem();
  const state: BedState = {
    pids: {},
    commands: {},
    apiserverPort: apiserver,
    redisPort: redis,
    ingressPort,
    metricsPort,
    prometheusPort: prometheus,
    ...(problem ? { podNetworkProblem: problem } : { podNetwork: podNetworkFor(stateDir) }),
    helm: tools.helm,
    fingerprint,
  };
  const { pids } = state;
  const start = (commands: Record<string, { command: string; args: string[] }>) => {
    for (const [name, { command, args }] of Object.entries(commands)) {
      state.commands[name] = { command, args };
      pids[name] = startDetached({ name, command, args, logDir, bed: stateDir });
    }
    writeFileSync(statePath, JSON.stringify(state, null, 2));
  };
  const plane = controlPlaneCommands(tools, {
    stateDir,
    pkiDir,
    kubeconfig: kubeconfigPath,
    ports: { etcdClient, etcdPeer, apiserver, kwokServer },
    podCidr,
    stagesDir: bedStages,
  });
  const traffic: Traffic = {
    stateDir,
    kubeconfig: kubeconfigPath,
    tools,
    ingressPort,
    metricsPort,
    prometheusPort: prometheus,
    ...(state.podNetwork ? { network: state.podNetwork } : {}),
  };
  // Saved before the network exists: `down` after a crash here still knows what to remove.
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  start({ etcd: plane.etcd, 'kube-apiserver': plane['kube-apiserver'] });
  // Keeps nothing on disk; its --dir names the bed, so `down` finds it like the rest.
  mkdirSync(join(stateDir, 'redis'), { recursive: true });
  start({
    'redis-server': {
      command: tools.redisServer,
      args: [
        ...['--bind', '127.0.0.1', '--port', String(redis), '--save', '', '--appendonly', 'no'],
        ...['--dir', join(stateDir, 'redis')],
      ],
    },
    ...startFirst(traffic),
    // Loading their client takes a second of CPU: done while the API server starts, which
    // they wait for.
    ...startWatchers(traffic),
  });
  await waitFor('kube-apiserver /readyz', () => isApiserverReady(apiserver, pkiDir), pids, logDir);
  start({
    'kube-controller-manager': plane['kube-controller-manager'],
    'kube-scheduler': plane['kube-scheduler'],
    kwok: plane.kwok,
  });
  await createClusterObjects(kubeconfigPath);
  await waitFor(
    `${fakeNodeCount} kwok nodes Ready`,
    () => readyNodesPresent(kubeconfigPath),
    pids,
    logDir,
  );
  await waitFor(
    'HAProxy, Prometheus, pods and storage ready',
    () => trafficReady(traffic),
    pids,
    logDir,
  );
  const bed = bedOf(state, tools, true);
  if (problem) log(`pods will not answer: ${problem}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`test cluster up in ${seconds} s: KUBECONFIG=${kubeconfigPath}\n${addresses(bed)}`);
  return bed;
}

function bedOf(state: BedState, tools: Tools, started: boolean): Bed {
  return {
    kubeconfig: kubeconfigPath,
    helm: tools.helm,
    chromium: tools.chromium,
    redisUrl: `redis://127.0.0.1:${state.redisPort}`,
    ingressUrl: `http://127.0.0.1:${state.ingressPort}`,
    metricsUrl: `http://127.0.0.1:${state.metricsPort}/metrics`,
    prometheusUrl: `http://127.0.0.1:${state.prometheusPort}`,
    podNetwork: state.podNetwork
      ? { namespace: state.podNetwork.namespace }
      : { problem: state.podNetworkProblem ?? 'unknown' },
    started,
  };
}

function addresses(bed: Bed): string {
  return [
    `ingress: ${bed.ingressUrl}`,
    `prometheus: ${bed.prometheusUrl}`,
    `metrics: ${bed.metricsUrl}`,
    `redis: ${bed.redisUrl}`,
    'namespace' in bed.podNetwork
      ? `pods answer in network namespace ${bed.podNetwork.namespace}`
      : `pods do not answer: ${bed.podNetwork.problem}`,
  ].join('\n');
}

/** The binaries, the stage files and the bed's own files that a bed runs with. */
function bedFingerprint(tools: Tools): string {
  const hash = createHash('sha256').update(JSON.stringify(tools));
  for (const file of readdirSync(here).sort()) {
    // Tests and their objects (haproxy-test-objects.ts) are no part of a running bed.
    if (file.endsWith('.ts') && !file.includes('test')) {
      hash.update(file).update(readFileSync(join(here, file)));
    }
  }
  for (const file of readdirSync(bedStages).sort()) {
    hash.update(file).update(readFileSync(join(bedStages, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Points ExternalName Services at addresses on the host (see bed-traffic.ts). */
export function setExternalNameTargets(targets: Record<string, string>): void {
  setTargets(stateDir, targets);
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
  state.pids[name] = startDetached({ name, ...spec, logDir, bed: stateDir });
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  if (name === 'kube-apiserver') {
    await waitFor(
      'kube-apiserver /readyz',
      () => isApiserverReady(state.apiserverPort, pkiDir),
      state.pids,
      logDir,
    );
  }
}

/**
 * Stops every process of this bed, including ones a crashed run left without
 * a state file, and removes its network namespace, veth and routing rule
 * (their names follow from the state folder's path, so no state is needed).
 */
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
  const network = podNetworkProblem() ? [] : deletePodNetwork(podNetworkFor(stateDir));
  for (const entry of ['state.json', 'kubeconfig', 'etcd', 'pki', 'redis']) {
    rmSync(join(stateDir, entry), { recursive: true, force: true });
  }
  for (const path of trafficLeftovers(stateDir)) rmSync(path, { recursive: true, force: true });
  if (alive.length > 0 || network.length > 0) {
    const removed = network.length ? `; removed ${network.join(', ')}` : '';
    log(`test cluster down: stopped ${alive.length} processes${removed}`);
  }
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

export type { Tools };
