import {
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
  routesToRestore,
  sleepingRoutes,
  sleepRecordFor,
  wakeServiceName,
  type IngressRoutes,
  type WakeBackend,
} from '../plan/sleep.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import type { ObjectRef, PreviewRecords } from '../ports.ts';
import { ObjectApi } from './kubernetes-objects.ts';
import { withRetry } from './retry.ts';
import { isNotFound } from './api-status.ts';

type Workload = V1Deployment | V1StatefulSet;

/**
 * Sleep and wake in the cluster. What a preview had (replicas, routes) is
 * recorded in the app's own namespace before anything changes, never on the
 * preview's objects, which its pods could rewrite. Every write is a
 * server-side apply by a field manager of its own (`pr-preview-sleep`): the
 * replicas, routes and marks it sets are its fields, which a deploy's apply
 * takes back where the chart sets them and otherwise leaves alone. Each step
 * can be run again, so a crash part-way is finished by the next sleep or wake.
 */
export class KubernetesSleep {
  private readonly objects: ObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly records: PreviewRecords;

  constructor(kubeConfig: KubeConfig, records: PreviewRecords) {
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.records = records;
  }

  /**
   * Marks the namespace sleeping (keeping the first mark of a sleep that is
   * repeated), records what it has, sends its Ingresses to the wake Service,
   * and scales every recorded Deployment and StatefulSet to zero.
   */
  async sleep(namespace: string, since: string, wake: WakeBackend): Promise<void> {
    await this.mark(namespace, { [annotationKeys.sleepingSince]: since });
    const [ingresses, workloads, previous] = await Promise.all([
      this.ingresses(namespace),
      this.workloads(namespace),
      this.records.sleep(namespace),
    ]);
    const record = sleepRecordFor(previous, {
      workloads: workloads.map((workload) => ({
        key: keyOf(workload),
        ...(workload.spec?.replicas !== undefined ? { replicas: workload.spec.replicas } : {}),
      })),
      ingresses: ingresses.map((ingress) => ({
        name: ingress.metadata?.name ?? '',
        routes: { ...(ingress.spec?.rules ? { rules: ingress.spec.rules } : {}) } as IngressRoutes,
      })),
    });
    await this.records.putSleep(namespace, record);
    await this.apply(wakeService(namespace, wake));
    for (const [name, routes] of Object.entries(record.routes)) {
      await this.apply({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, namespace },
        spec: sleepingRoutes(routes, wake),
      } as KubernetesObject);
    }
    for (const workload of workloads) {
      if (record.replicas[keyOf(workload)] === undefined) continue;
      await this.apply({
        apiVersion: 'apps/v1',
        kind: workload.kind as string,
        metadata: { name: workload.metadata?.name, namespace },
        spec: { replicas: 0 },
      } as KubernetesObject);
    }
  }

  /** Gives every sleeping workload its recorded replicas back; returns those it scaled up. */
  async restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    // Read side by side, written side by side: a visitor waits on every round trip.
    const [record, workloads] = await Promise.all([
      this.records.sleep(namespace),
      this.workloads(namespace),
    ]);
    if (!record) return [];
    const restored = workloads.flatMap((workload) => {
      const replicas = record.replicas[keyOf(workload)];
      return replicas === undefined ? [] : [{ workload, replicas }];
    });
    await Promise.all(
      restored.map(({ workload, replicas }) =>
        this.apply({
          apiVersion: 'apps/v1',
          kind: workload.kind as string,
          metadata: { name: workload.metadata?.name, namespace },
          spec: { replicas },
        } as KubernetesObject),
      ),
    );
    return restored.map(({ workload }) => ({
      apiVersion: 'apps/v1',
      kind: workload.kind as string,
      name: workload.metadata?.name as string,
    }));
  }

  /**
   * Gives every Ingress its recorded routes back (only routes for the
   * preview's own host, to its own Services), removes the wake Service,
   * marks the namespace awake, and forgets the record.
   */
  async restoreRoutesAndMarkAwake(namespace: string, wokenAt: string): Promise<void> {
    const [record, host, ingresses] = await Promise.all([
      this.records.sleep(namespace),
      this.hostOf(namespace),
      this.ingresses(namespace),
    ]);
    const present = new Set(ingresses.map((i) => i.metadata?.name));
    const restored = Object.entries(record?.routes ?? {})
      .filter(([name]) => present.has(name))
      .map(([name, recorded]) => {
        const routes = routesToRestore(recorded, host);
        if (!routes) {
          throw new Error(
            `Ingress ${name}: its recorded routes are not for the preview's host \`${host}\`; they were not given back`,
          );
        }
        return { name, routes };
      });
    await Promise.all(
      restored.map(({ name, routes }) =>
        this.apply({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name, namespace },
          spec: routes,
        } as KubernetesObject),
      ),
    );
    // In this order, so that a wake cut short is marked sleeping still, and the next one finishes it.
    try {
      await withRetry(() =>
        this.core.deleteNamespacedService({ name: wakeServiceName, namespace }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.mark(namespace, { [annotationKeys.wokenAt]: wokenAt });
    await this.records.forgetSleep(namespace);
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

  /** The preview's host, as the app recorded it on the namespace (which no preview can write). */
  private async hostOf(namespace: string): Promise<string> {
    const object = await withRetry(() => this.core.readNamespace({ name: namespace }));
    return object.metadata?.annotations?.[annotationKeys.host] ?? '';
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

function keyOf(workload: Workload): string {
  return `${workload.kind}/${workload.metadata?.name}`;
}
