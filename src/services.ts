import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubernetesCluster } from './deploy/kubernetes-cluster.ts';
import { KubernetesDiscovery } from './deploy/kubernetes-discovery.ts';
import { podSecurityLabels } from './deploy/pod-security.ts';
import { KubernetesLeases } from './deploy/kubernetes-lease.ts';
import type { AppIdentity } from './github/app-identity.ts';
import { PullRequestLocks } from './reconcile/pull-request-locks.ts';
import { HelmRenderer } from './deploy/helm.ts';
import { HttpSmokeProbe } from './deploy/http-smoke-probe.ts';
import { PreviewMetrics } from './operations/metrics.ts';
import type { ChartRenderer, Cluster, ClusterDiscovery, Logger, SmokeProbe } from './ports.ts';
import { DeliveryLog } from './queue/delivery-log.ts';
import { KeyedQueue } from './queue/keyed-queue.ts';
import { WaitTimers } from './queue/wait-timers.ts';
import type { Settings } from './settings.ts';

/** Long-lived parts shared by every handler. */
export interface Services {
  settings: Settings;
  cluster: Cluster;
  /** The API server's version and APIs, for helm's `.Capabilities` and the guardrails. */
  discovery: ClusterDiscovery;
  renderer: ChartRenderer;
  queue: KeyedQueue;
  deliveries: DeliveryLog;
  waits: WaitTimers;
  smoke?: SmokeProbe;
  metrics: PreviewMetrics;
  leases: KubernetesLeases;
  locks: PullRequestLocks;
  /** This app on GitHub, to tell its own comments from others'. */
  identity: AppIdentity;
  logger: Logger;
}

export function createServices(
  settings: Settings,
  logger: Logger,
  identity: AppIdentity,
): Services {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const cluster = new KubernetesCluster(kubeConfig, {
    namespaceLabels: podSecurityLabels(settings.namespacePolicy.podSecurity),
  });
  const queue = new KeyedQueue(settings.concurrency);
  const leases = new KubernetesLeases(kubeConfig, {
    namespace: settings.leaseNamespace,
    identity: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
  });
  return {
    settings,
    cluster,
    discovery: new KubernetesDiscovery(kubeConfig),
    renderer: new HelmRenderer(settings.helmBin),
    queue,
    metrics: new PreviewMetrics({ queueDepth: () => queue.depth, cluster }),
    deliveries: new DeliveryLog(),
    waits: new WaitTimers(),
    ...(settings.ingressUrl ? { smoke: new HttpSmokeProbe(settings.ingressUrl) } : {}),
    leases,
    locks: new PullRequestLocks(leases, logger),
    identity,
    logger,
  };
}
