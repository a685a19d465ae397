import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingressClassName } from './cluster-objects.ts';
import {
  configPath,
  externalNamesPath,
  installConfig,
  renderFor,
  masterSocket,
  servedPath,
  type StandInSettings,
} from './ingress-stand-in.ts';
import { createPodNetwork, type PodNetwork } from './pod-network.ts';
import { prometheusDir, startPrometheus } from './prometheus.ts';
import type { Tools } from './tools.ts';

/**
 * The bed's way in and its storage: HAProxy with the ingress stand-in that
 * configures it and the Prometheus that scrapes it, the pods' answers inside
 * the pod network, and the storage provisioner. Each is a process of its own,
 * started and stopped like the control plane's.
 */
export interface Traffic {
  stateDir: string;
  kubeconfig: string;
  tools: Tools;
  ingressPort: number;
  metricsPort: number;
  /** Prometheus' HTTP API and UI, on loopback. */
  prometheusPort: number;
  /** Undefined when this machine cannot have one: pods then never answer. */
  network?: PodNetwork;
}

type Commands = Record<string, { command: string; args: string[] }>;

const here = dirname(fileURLToPath(import.meta.url));
export const ingressDir = (stateDir: string) => join(stateDir, 'ingress');
const podsReady = (stateDir: string) => join(stateDir, 'pods-ready');
const storageReady = (stateDir: string) => join(stateDir, 'storage-ready');
export const volumesDir = (stateDir: string) => join(stateDir, 'volumes');

/**
 * The pod network, HAProxy with a first configuration (no Ingress yet: 404 for
 * every host) and Prometheus, which needs no API server either.
 */
export function startFirst(traffic: Traffic): Commands {
  if (traffic.network) createPodNetwork(traffic.network);
  const dir = ingressDir(traffic.stateDir);
  mkdirSync(dir, { recursive: true });
  const settings: StandInSettings = {
    kubeconfig: traffic.kubeconfig,
    dir,
    haproxy: traffic.tools.haproxy,
    ingressClass: ingressClassName,
    bind: `127.0.0.1:${traffic.ingressPort}`,
    metricsBind: `127.0.0.1:${traffic.metricsPort}`,
    ...(traffic.network ? { podSource: traffic.network.hostAddress } : {}),
  };
  writeFileSync(join(dir, 'stand-in.json'), JSON.stringify(settings, null, 2));
  installConfig(settings, renderFor(settings, { ingresses: [], services: [], endpointSlices: [] }));
  return {
    // Master-worker mode: the master reloads on the master socket's `reload`, with no
    // connection refused meanwhile.
    haproxy: {
      command: traffic.tools.haproxy,
      args: ['-W', '-S', masterSocket(dir), '-f', configPath(dir)],
    },
    ...startPrometheus(traffic.tools, traffic.stateDir, {
      prometheus: traffic.prometheusPort,
      metrics: traffic.metricsPort,
    }),
  };
}

/** The processes that watch the API server: started once it is ready. */
export function startWatchers(traffic: Traffic): Commands {
  const node = (file: string, ...args: string[]) => ({
    command: process.execPath,
    args: [join(here, file), ...args],
  });
  mkdirSync(volumesDir(traffic.stateDir), { recursive: true });
  return {
    'ingress-stand-in': node(
      'ingress-stand-in.ts',
      join(ingressDir(traffic.stateDir), 'stand-in.json'),
    ),
    ...(traffic.network
      ? {
          'pod-responder': node(
            'pod-responder.ts',
            traffic.kubeconfig,
            traffic.network.namespace,
            podsReady(traffic.stateDir),
          ),
        }
      : {}),
    'storage-provisioner': node(
      'storage-provisioner.ts',
      traffic.kubeconfig,
      volumesDir(traffic.stateDir),
      storageReady(traffic.stateDir),
    ),
  };
}

/**
 * Whether HAProxy serves what the stand-in last wrote, Prometheus is ready to
 * be asked, pods answer and claims would be served.
 */
export async function trafficReady(traffic: Traffic): Promise<boolean> {
  const files = [
    servedPath(ingressDir(traffic.stateDir)),
    storageReady(traffic.stateDir),
    ...(traffic.network ? [podsReady(traffic.stateDir)] : []),
  ];
  if (!files.every((file) => existsSync(file))) return false;
  const [ingress, metrics, prometheus] = await Promise.all([
    status(traffic.ingressPort, '/'),
    status(traffic.metricsPort, '/metrics'),
    status(traffic.prometheusPort, '/-/ready'),
  ]);
  return ingress === 404 && metrics === 200 && prometheus === 200;
}

/** Ready-markers, generated files and samples a fresh bed must not inherit. */
export function trafficLeftovers(stateDir: string): string[] {
  return [
    ingressDir(stateDir),
    volumesDir(stateDir),
    podsReady(stateDir),
    storageReady(stateDir),
    prometheusDir(stateDir),
  ];
}

/**
 * Points an ExternalName Service's `name:port` (or every port of `name`) at
 * `address:port` for the bed's HAProxy, e.g. the wake port of an app a test
 * runs on the host; the stand-in rewrites the configuration within a second.
 */
export function setExternalNameTargets(stateDir: string, targets: Record<string, string>): void {
  writeFileSync(externalNamesPath(ingressDir(stateDir)), JSON.stringify(targets, null, 2));
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
