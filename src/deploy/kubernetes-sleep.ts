import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { annotationKeys, labelKeys, managerName, sleepManagerName } from '../plan/labels.ts';
import {
  awakeReplicas,
  replicasToRecord,
  sleepingRoutes,
  wakeServiceName,
  type IngressRoutes,
  type WakeBackend,
} from '../plan/sleep.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import type { ObjectRef } from '../ports.ts';
import { ObjectApi } from './kubernetes-objects.ts';
import { withRetry } from './retry.ts';

type Workload = V1Deployment | V1StatefulSet;

/**
 * Sleep and wake in the cluster. Every write is a server-side apply by a
 * field manager of its own (`pr-preview-sleep`): the replicas, routes and
 * marks it sets are its fields, which a deploy's apply takes back where the
 * chart sets them and otherwise leaves alone. Each step can be run again,
 * so a crash part-way is finished by the next sleep or wake.
 */
export class KubernetesSleep {
  private readonly objects: ObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly networking: NetworkingV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
  }

  /**
   * Marks the namespace sleeping (keeping the first mark of a sleep that is
   * repeated), sends its Ingresses to the wake Service, and scales every
   * Deployment and StatefulSet to zero with the replicas it had recorded.
   */
  async sleep(namespace: string, since: string, wake: WakeBackend): Promise<void> {
    await this.mark(namespace, { [annotationKeys.sleepingSince]: since });
    await this.apply(wakeService(namespace, wake));
    for (const ingress of await this.ingresses(namespace)) {
      const annotations = ingress.metadata?.annotations ?? {};
      const recorded = annotations[annotationKeys.awakeRoutes];
      const routes = recorded ? parseRoutes(recorded, ingress) : routesOf(ingress);
      await this.apply({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: ingress.metadata?.name,
          namespace,
          annotations: { [annotationKeys.awakeRoutes]: JSON.stringify(routes) },
        },
        spec: sleepingRoutes(routes, wake),
      } as KubernetesObject);
    }
    for (const workload of await this.workloads(namespace)) {
      const record = replicasToRecord({
        ...(workload.spec?.replicas !== undefined ? { replicas: workload.spec.replicas } : {}),
        ...recordedOf(workload),
      });
      if (record === undefined) continue;
      await this.apply({
        apiVersion: 'apps/v1',
        kind: workload.kind as string,
        metadata: {
          name: workload.metadata?.name,
          namespace,
          annotations: { [annotationKeys.awakeReplicas]: record },
        },
        spec: { replicas: 0 },
      } as KubernetesObject);
    }
  }

  /** Gives every sleeping workload its recorded replicas back; returns those it scaled up. */
  async restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    const restored: ObjectRef[] = [];
    for (const workload of await this.workloads(namespace)) {
      const replicas = awakeReplicas(recordedOf(workload).recorded);
      if (replicas === undefined) continue;
      // Sent without the annotation, which server-side apply then removes.
      await this.apply({
        apiVersion: 'apps/v1',
        kind: workload.kind as string,
        metadata: { name: workload.metadata?.name, namespace },
        spec: { replicas },
      } as KubernetesObject);
      restored.push({
        apiVersion: 'apps/v1',
        kind: workload.kind as string,
        name: workload.metadata?.name as string,
      });
    }
    return restored;
  }

  /** Gives every Ingress its routes back, removes the wake Service, and marks the namespace awake. */
  async restoreRoutes(namespace: string, wokenAt: string): Promise<void> {
    for (const ingress of await this.ingresses(namespace)) {
      const recorded = ingress.metadata?.annotations?.[annotationKeys.awakeRoutes];
      if (!recorded) continue;
      await this.apply({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: ingress.metadata?.name, namespace },
        spec: parseRoutes(recorded, ingress),
      } as KubernetesObject);
    }
    try {
      await withRetry(() =>
        this.core.deleteNamespacedService({ name: wakeServiceName, namespace }),
      );
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    await this.mark(namespace, { [annotationKeys.wokenAt]: wokenAt });
  }

  /** Namespaces of previews in which some Deployment or StatefulSet has replicas. */
  async runningNamespaces(): Promise<Set<string>> {
    const [deployments, statefulSets] = await Promise.all([
      withRetry(() =>
        this.apps.listDeploymentForAllNamespaces({ labelSelector: allPreviewsSelector }),
      ),
      withRetry(() =>
        this.apps.listStatefulSetForAllNamespaces({ labelSelector: allPreviewsSelector }),
      ),
    ]);
    const running = new Set<string>();
    for (const workload of [...deployments.items, ...statefulSets.items]) {
      if ((workload.spec?.replicas ?? 1) > 0) running.add(workload.metadata?.namespace ?? '');
    }
    return running;
  }

  /** The namespace's sleep marks: the manager's whole set, so a mark it no longer sends goes. */
  private mark(namespace: string, annotations: Record<string, string>): Promise<unknown> {
    return this.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, annotations },
    });
  }

  private apply(object: KubernetesObject): Promise<unknown> {
    return withRetry(() => this.objects.applyAsWritten(object, false, sleepManagerName));
  }

  private async ingresses(namespace: string) {
    return (await withRetry(() => this.networking.listNamespacedIngress({ namespace }))).items;
  }

  private async workloads(namespace: string): Promise<Workload[]> {
    const [deployments, statefulSets] = await Promise.all([
      withRetry(() => this.apps.listNamespacedDeployment({ namespace })),
      withRetry(() => this.apps.listNamespacedStatefulSet({ namespace })),
    ]);
    return [
      ...deployments.items.map((d) => ({ ...d, kind: 'Deployment' })),
      ...statefulSets.items.map((s) => ({ ...s, kind: 'StatefulSet' })),
    ];
  }
}

/** The Service through which a sleeping preview's Ingress reaches the app: its DNS name, no proxy of ours. */
export function wakeService(namespace: string, wake: WakeBackend): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: wakeServiceName,
      namespace,
      labels: { [labelKeys.managedBy]: managerName },
    },
    spec: {
      type: 'ExternalName',
      externalName: wake.host,
      ports: [{ name: 'http', port: wake.port, protocol: 'TCP' }],
    },
  } as KubernetesObject;
}

function recordedOf(workload: Workload): { recorded?: string } {
  const recorded = workload.metadata?.annotations?.[annotationKeys.awakeReplicas];
  return recorded !== undefined ? { recorded } : {};
}

function routesOf(ingress: { spec?: unknown }): IngressRoutes {
  const spec = (ingress.spec ?? {}) as IngressRoutes;
  return {
    ...(spec.rules ? { rules: spec.rules } : {}),
    ...(spec.defaultBackend ? { defaultBackend: spec.defaultBackend } : {}),
  };
}

function parseRoutes(recorded: string, ingress: { metadata?: { name?: string } }): IngressRoutes {
  try {
    return JSON.parse(recorded) as IngressRoutes;
  } catch {
    throw new Error(
      `Ingress ${ingress.metadata?.name ?? ''}: its recorded routes (${annotationKeys.awakeRoutes}) cannot be read`,
    );
  }
}
