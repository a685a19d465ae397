import { KubernetesCluster } from './deploy/kubernetes-cluster.ts';
import { HelmRenderer } from './deploy/helm.ts';
import { HttpSmokeProbe } from './deploy/http-smoke-probe.ts';
import type { ChartRenderer, Cluster, Logger, SmokeProbe } from './ports.ts';
import { DeliveryLog } from './queue/delivery-log.ts';
import { KeyedQueue } from './queue/keyed-queue.ts';
import { WaitTimers } from './queue/wait-timers.ts';
import type { Settings } from './settings.ts';

/** Long-lived parts shared by every handler. */
export interface Services {
  settings: Settings;
  cluster: Cluster;
  renderer: ChartRenderer;
  queue: KeyedQueue;
  deliveries: DeliveryLog;
  waits: WaitTimers;
  smoke?: SmokeProbe;
  logger: Logger;
}

export function createServices(settings: Settings, logger: Logger): Services {
  return {
    settings,
    cluster: KubernetesCluster.fromEnvironment(),
    renderer: new HelmRenderer(settings.helmBin),
    queue: new KeyedQueue(settings.concurrency),
    deliveries: new DeliveryLog(),
    waits: new WaitTimers(),
    ...(settings.ingressUrl ? { smoke: new HttpSmokeProbe(settings.ingressUrl) } : {}),
    logger,
  };
}
