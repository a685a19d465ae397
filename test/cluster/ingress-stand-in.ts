import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  watchFile,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  NetworkingV1Api,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Service,
} from '@kubernetes/client-node';
import { log, onChanges } from './informers.ts';
import { externalNameTarget, renderHaproxy, type ClusterRoutes } from './haproxy-config.ts';

/**
 * A stand-in for the HAProxy ingress controller, which cannot be built here:
 * it watches Ingresses, Services and EndpointSlices, writes HAProxy's
 * configuration from them (haproxy-config.ts) and reloads HAProxy through its
 * master socket. Tests reach previews through HAProxy as a client would.
 */
export interface StandInSettings {
  kubeconfig: string;
  /** Holds the configuration's generations, the overrides and the master socket. */
  dir: string;
  haproxy: string;
  ingressClass: string;
  bind: string;
  metricsBind: string;
  /** Source address of connections to pods, which the host routes into the pod network. */
  podSource?: string;
}

/** The configuration HAProxy is started with (`-f`): a link to the newest valid generation. */
export const configPath = (dir: string) => join(dir, 'haproxy.cfg');
export const masterSocket = (dir: string) => join(dir, 'master.sock');
/** `name:port` (or `name`) of an ExternalName Service to `address[:port]`, written by tests. */
export const externalNamesPath = (dir: string) => join(dir, 'external-names.json');
/** Written after each reload: the generation HAProxy serves. */
export const servedPath = (dir: string) => join(dir, 'served');
const kept = 3;

function readOverrides(dir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(externalNamesPath(dir), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Stands for the generation's folder in the text compared with the last generation's. */
const mapDirToken = '@MAP_DIR@';

/**
 * Writes the configuration for the cluster given as a new generation, checks
 * it with `haproxy -c` and points `haproxy.cfg` at it. Returns the generation
 * HAProxy should serve, and whether it is new.
 */
export function installConfig(
  settings: StandInSettings,
  cluster: ClusterRoutes,
): { generation: number; changed: boolean } {
  const generations = readdirSync(settings.dir)
    .map((entry) => /^gen-(\d+)$/.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const last = generations.at(-1);
  const overrides = readOverrides(settings.dir);
  const files = renderHaproxy(cluster, {
    ...settings,
    mapDir: mapDirToken,
    resolveExternalName: (name, port) => externalNameTarget(name, port, overrides),
  });
  const text = JSON.stringify(files);
  if (
    last !== undefined &&
    readFileSafe(join(settings.dir, `gen-${last}`, 'rendered.json')) === text
  ) {
    return { generation: last, changed: false };
  }
  const generation = (last ?? 0) + 1;
  const mapDir = join(settings.dir, `gen-${generation}`);
  mkdirSync(mapDir);
  for (const [file, map] of Object.entries(files.maps)) writeFileSync(join(mapDir, file), map);
  const config = join(mapDir, 'haproxy.cfg');
  writeFileSync(config, files.config.replaceAll(mapDirToken, mapDir));
  const check = spawnSync(settings.haproxy, ['-c', '-q', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(mapDir, { recursive: true });
    throw new Error(`haproxy refuses generation ${generation}: ${check.stdout}${check.stderr}`);
  }
  writeFileSync(join(mapDir, 'rendered.json'), text);
  const link = `${configPath(settings.dir)}.next`;
  rmSync(link, { force: true });
  symlinkSync(config, link);
  renameSync(link, configPath(settings.dir));
  // Workers read their maps when they start; generations before the last few are read by no one.
  for (const old of generations.slice(0, -(kept - 1))) {
    rmSync(join(settings.dir, `gen-${old}`), { recursive: true, force: true });
  }
  return { generation, changed: true };
}

/** Sends one command to HAProxy's master CLI and returns what it answered. */
export function masterCommand(dir: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(masterSocket(dir));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.end(`${command}\n`);
  });
}

/** Reloads HAProxy and waits until the master answers again, with a worker that loaded it. */
async function reload(dir: string): Promise<void> {
  const before = reloadsOf(await masterCommand(dir, 'show proc'));
  await masterCommand(dir, 'reload');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const proc = await masterCommand(dir, 'show proc').catch(() => '');
    const after = reloadsOf(proc);
    if (after && before && after.reloads > before.reloads) {
      if (after.failed > before.failed) throw new Error(`HAProxy's reload failed:\n${proc}`);
      return;
    }
    await sleep(20);
  }
  throw new Error('HAProxy did not reload within 10 s');
}

/** The master's line of `show proc`: `<pid> master <reloads> [failed: <n>] ...`. */
function reloadsOf(proc: string): { reloads: number; failed: number } | undefined {
  const match = /^\d+\s+master\s+(\d+)\s+\[failed: (\d+)\]/m.exec(proc);
  return match ? { reloads: Number(match[1]), failed: Number(match[2]) } : undefined;
}

async function run(settings: StandInSettings): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(settings.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const ingresses = makeInformer<V1Ingress>(kc, '/apis/networking.k8s.io/v1/ingresses', () =>
    networking.listIngressForAllNamespaces(),
  );
  const services = makeInformer<V1Service>(kc, '/api/v1/services', () =>
    core.listServiceForAllNamespaces(),
  );
  const endpointSlices = makeInformer<V1EndpointSlice>(
    kc,
    '/apis/discovery.k8s.io/v1/endpointslices',
    () => discovery.listEndpointSliceForAllNamespaces(),
  );
  let started = false;
  let pending: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();
  const sync = async () => {
    try {
      const { generation, changed } = installConfig(settings, {
        ingresses: ingresses.list(),
        services: services.list(),
        endpointSlices: endpointSlices.list(),
      });
      if (changed) await reload(settings.dir);
      if (changed || !existsSync(servedPath(settings.dir))) {
        writeFileSync(servedPath(settings.dir), String(generation));
        log(`serving generation ${generation}`);
      }
    } catch (error) {
      log(`sync failed: ${error instanceof Error ? error.message : error}`);
    }
  };
  // Changes come in bursts (a rollout touches pods' slices one by one): one reload per burst.
  // A reload (a check and a new worker) costs about 0.1 s of CPU, so reloads come at most twice
  // a second; but a route change outside a burst (a woken preview's routes come back just after
  // its pods' endpoints did) waits only a quarter of a second after the sync before began.
  let lastSync = 0;
  let recentSyncs: number[] = [];
  let pendingAt = Infinity;
  const schedule = (spacingMs: number) => {
    if (!started) return;
    const at = Math.max(Date.now() + 100, lastSync + spacingMs);
    if (pending && pendingAt <= at) return;
    clearTimeout(pending);
    pendingAt = at;
    pending = setTimeout(() => {
      pending = undefined;
      pendingAt = Infinity;
      lastSync = Date.now();
      recentSyncs = [...recentSyncs.filter((at) => lastSync - at < 2_000), lastSync];
      syncing = syncing.then(sync);
    }, at - Date.now());
  };
  // Three syncs or more in the last two seconds: a burst, in which route changes wait like the rest.
  const routeChanged = () =>
    schedule(recentSyncs.filter((at) => Date.now() - at < 2_000).length >= 3 ? 500 : 250);
  onChanges(ingresses, routeChanged);
  onChanges(services, routeChanged);
  onChanges(endpointSlices, () => schedule(500));
  await Promise.all([ingresses.start(), services.start(), endpointSlices.start()]);
  started = true;
  watchFile(externalNamesPath(settings.dir), { interval: 250 }, routeChanged);
  routeChanged();
}

function readFileSafe(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

if (import.meta.main) {
  const settingsFile = process.argv[2];
  if (!settingsFile) throw new Error('usage: ingress-stand-in.ts <settings.json>');
  await run(JSON.parse(readFileSync(settingsFile, 'utf8')) as StandInSettings);
}
