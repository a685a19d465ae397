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
import {
  externalNameTarget,
  renderHaproxy,
  type ClusterRoutes,
  type HaproxyFiles,
} from './haproxy-config.ts';
import {
  runtimeCommands,
  runtimeRefused,
  serverUpdates,
  type ServerUpdate,
} from './haproxy-runtime.ts';

/**
 * A stand-in for the HAProxy ingress controller, which cannot be built here:
 * it watches Ingresses, Services and EndpointSlices, writes HAProxy's
 * configuration from them (haproxy-config.ts) and reloads HAProxy through its
 * master socket, or, when only pods came or went, sets the servers through
 * the runtime API (haproxy-runtime.ts). Tests reach previews through HAProxy
 * as a client would.
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

/** The configuration for the cluster, with the generation's folder still a token. */
export function renderFor(settings: StandInSettings, cluster: ClusterRoutes): HaproxyFiles {
  const overrides = readOverrides(settings.dir);
  return renderHaproxy(cluster, {
    ...settings,
    mapDir: mapDirToken,
    resolveExternalName: (name, port) => externalNameTarget(name, port, overrides),
  });
}

/** The newest generation written, and what it was rendered from. */
function lastGeneration(dir: string): { generation: number; files: HaproxyFiles } | undefined {
  const generation = generationsIn(dir).at(-1);
  const text = generation && readFileSafe(join(dir, `gen-${generation}`, 'rendered.json'));
  return generation && text ? { generation, files: JSON.parse(text) as HaproxyFiles } : undefined;
}

function generationsIn(dir: string): number[] {
  return readdirSync(dir)
    .map((entry) => /^gen-(\d+)$/.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Writes the configuration as a new generation, checks it with `haproxy -c`
 * when asked (the first one: HAProxy starts from it) and points `haproxy.cfg`
 * at it. Returns the generation. Later generations are checked by the reload
 * itself (`reload`): a check per reload would cost as much again.
 */
export function installConfig(
  settings: StandInSettings,
  files: HaproxyFiles,
  params: { check: boolean } = { check: true },
): number {
  const generations = generationsIn(settings.dir);
  const generation = (generations.at(-1) ?? 0) + 1;
  const mapDir = join(settings.dir, `gen-${generation}`);
  mkdirSync(mapDir);
  for (const [file, map] of Object.entries(files.maps)) writeFileSync(join(mapDir, file), map);
  const config = join(mapDir, 'haproxy.cfg');
  writeFileSync(config, files.config.replaceAll(mapDirToken, mapDir));
  const refusal = params.check ? checkConfig(settings, config) : undefined;
  if (refusal !== undefined) {
    rmSync(mapDir, { recursive: true });
    throw new Error(`haproxy refuses generation ${generation}: ${refusal}`);
  }
  writeFileSync(join(mapDir, 'rendered.json'), JSON.stringify(files));
  pointConfigAt(settings.dir, config);
  // Workers read their maps when they start; generations before the last few are read by no one.
  for (const old of generations.slice(0, -(kept - 1))) {
    rmSync(join(settings.dir, `gen-${old}`), { recursive: true, force: true });
  }
  return generation;
}

/** What `haproxy -c` says against a configuration, or undefined when it takes it. */
function checkConfig(settings: StandInSettings, config: string): string | undefined {
  const check = spawnSync(settings.haproxy, ['-c', '-q', '-f', config], { encoding: 'utf8' });
  return check.status === 0 ? undefined : `${check.stdout}${check.stderr}`;
}

function pointConfigAt(dir: string, config: string): void {
  const link = `${configPath(dir)}.next`;
  rmSync(link, { force: true });
  symlinkSync(config, link);
  renameSync(link, configPath(dir));
}

/**
 * A generation that is not served: HAProxy would not load it, or the reload
 * did not finish. `haproxy.cfg` points at the one before again (the running
 * worker still serves it) and the generation goes, so the next sync writes
 * it afresh; a refused one says what `haproxy -c` makes of it.
 */
function dropGeneration(settings: StandInSettings, generation: number, error: unknown): Error {
  const mapDir = join(settings.dir, `gen-${generation}`);
  const refusal =
    error instanceof ReloadFailed ? checkConfig(settings, join(mapDir, 'haproxy.cfg')) : undefined;
  rmSync(mapDir, { recursive: true, force: true });
  const previous = generationsIn(settings.dir).at(-1);
  if (previous) pointConfigAt(settings.dir, join(settings.dir, `gen-${previous}`, 'haproxy.cfg'));
  const why = error instanceof Error ? error.message : String(error);
  return new Error(
    `generation ${generation} not served: ${why}${refusal ? `\nhaproxy -c: ${refusal}` : ''}`,
  );
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

/** HAProxy kept its running worker: the new configuration did not load. */
class ReloadFailed extends Error {}

/** Reloads HAProxy and waits until the master answers again, with a worker that loaded it. */
async function reload(dir: string): Promise<void> {
  const before = reloadsOf(await masterCommand(dir, 'show proc'));
  await masterCommand(dir, 'reload');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const proc = await masterCommand(dir, 'show proc').catch(() => '');
    const after = reloadsOf(proc);
    if (after && before && after.reloads > before.reloads) {
      if (after.failed > before.failed) throw new ReloadFailed(`HAProxy's reload failed:\n${proc}`);
      return;
    }
    await sleep(20);
  }
  throw new Error('HAProxy did not reload within 10 s');
}

/** The master's line of `show proc`: `<pid> master <reloads> [failed: <n>] ...`. */
export function reloadsOf(proc: string): { reloads: number; failed: number } | undefined {
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
  const reloads: number[] = [];
  const schedule = (delayMs: number) => {
    if (!started || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      syncing = syncing.then(sync);
    }, delayMs);
  };
  const sync = async () => {
    try {
      const files = renderFor(settings, {
        ingresses: ingresses.list(),
        services: services.list(),
        endpointSlices: endpointSlices.list(),
      });
      const last = lastGeneration(settings.dir);
      if (last && JSON.stringify(last.files) === JSON.stringify(files)) {
        if (!existsSync(servedPath(settings.dir))) served(last.generation, 'as started');
        return;
      }
      const updates = last ? serverUpdates(last.files, files) : undefined;
      if (!updates) {
        // A reload (a new worker parsing every backend) costs tens of ms of CPU, the cluster's
        // CPU on a small machine: after more than four in five seconds (a burst of new
        // previews), at most one a second, still within a second of a change, for as long as
        // the changes go on (one a second keeps five in five seconds).
        const recent = reloads.filter((at) => Date.now() - at < 5_000);
        const wait = recent.length > 4 ? (recent.at(-1) as number) + 1_000 - Date.now() : 0;
        if (wait > 0) return schedule(wait);
      }
      const generation = installConfig(settings, files, { check: false });
      const set = updates !== undefined && (await setServers(settings.dir, updates));
      if (!set) {
        try {
          await reload(settings.dir);
        } catch (error) {
          throw dropGeneration(settings, generation, error);
        } finally {
          // Failed reloads count too: a refused configuration is not tried more often.
          reloads.push(Date.now());
          if (reloads.length > 10) reloads.shift();
        }
      }
      served(generation, set ? `${updates.length} servers set` : 'reloaded');
    } catch (error) {
      log(`sync failed: ${error instanceof Error ? error.message : error}`);
      // Tried again from the cluster as it is then, not only at its next change.
      schedule(1_000);
    }
  };
  const served = (generation: number, how: string) => {
    writeFileSync(servedPath(settings.dir), String(generation));
    log(`serving generation ${generation} (${how})`);
  };
  // Changes come in flurries (an apply touches a preview's objects one by one): one sync each.
  const changed = () => schedule(50);
  onChanges(ingresses, changed);
  onChanges(services, changed);
  onChanges(endpointSlices, changed);
  await Promise.all([ingresses.start(), services.start(), endpointSlices.start()]);
  started = true;
  watchFile(externalNamesPath(settings.dir), { interval: 250 }, changed);
  changed();
}

/** Sets servers' addresses and states in the running worker; false if HAProxy refused any. */
async function setServers(dir: string, updates: ServerUpdate[]): Promise<boolean> {
  for (const line of runtimeCommands(updates)) {
    const answer = await masterCommand(dir, line);
    if (runtimeRefused(answer)) {
      log(`runtime API refused an update, reloading instead: ${answer.trim()}`);
      return false;
    }
  }
  return true;
}

function readFileSafe(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

if (import.meta.main) {
  const settingsFile = process.argv[2];
  if (!settingsFile) throw new Error('usage: ingress-stand-in.ts <settings.json>');
  await run(JSON.parse(readFileSync(settingsFile, 'utf8')) as StandInSettings);
}
