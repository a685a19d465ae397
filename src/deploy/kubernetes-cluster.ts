import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1Namespace,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectRejectedError, UserFacingError } from '../errors.ts';
import { annotationKeys, labelKeys, managerName, type PreviewOrigin } from '../plan/labels.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type {
  Cluster,
  DeployRecord,
  ObjectRef,
  ObservedPreview,
  RolloutResult,
  SecretCopy,
} from '../ports.ts';
import { diagnoseRollout } from './diagnose-rollout.ts';
import { describe } from './guardrails.ts';
import { withRetry } from './retry.ts';

/** Reaches the client's cached discovery and transport, which it keeps protected. */
class ObjectApi extends KubernetesObjectApi {
  async scopeOf(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return (await this.resource(apiVersion, kind))?.namespaced;
  }

  /**
   * Server-side apply of the object exactly as written. The client's own
   * `patch` first maps known kinds through its typed models, which drops
   * fields it knows under another name (`default`, `from`) or not at all.
   */
  async applyAsWritten(object: KubernetesObject, dryRun: boolean): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', managerName);
    request.setQueryParam('force', 'true');
    if (dryRun) request.setQueryParam('dryRun', 'All');
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}

export interface KubernetesClusterOptions {
  /** How long a destroy waits for its namespaces to disappear. */
  namespaceDeleteTimeoutMs?: number;
}

export class KubernetesCluster implements Cluster {
  private readonly objects: ObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly version: VersionApi;
  private readonly deleteTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: KubernetesClusterOptions = {}) {
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.version = kubeConfig.makeApiClient(VersionApi);
    this.deleteTimeoutMs = options.namespaceDeleteTimeoutMs ?? 300_000;
  }

  async listPreviews(selector: string): Promise<ObservedPreview[]> {
    const list = await withRetry(() => this.core.listNamespace({ labelSelector: selector }));
    return list.items.map(toObservedPreview);
  }

  async ensureNamespace(
    target: PreviewTarget,
  ): Promise<{ created: boolean; origin: PreviewOrigin }> {
    let existing = await this.readNamespace(target.namespace);
    const owner = existing?.metadata?.labels?.[labelKeys.repositoryId];
    if (existing && owner !== target.labels[labelKeys.repositoryId]) {
      const holder =
        existing.metadata?.annotations?.[annotationKeys.repository] ?? 'something else';
      throw new UserFacingError(
        `namespace \`${target.namespace}\` already belongs to ${holder}; give this repository a unique \`app\` in .github/preview.yml`,
      );
    }
    if (existing?.metadata?.deletionTimestamp) {
      await this.waitGone([target.namespace]);
      existing = undefined;
    }
    const previous = existing?.metadata?.annotations ?? {};
    const origin: PreviewOrigin =
      previous[annotationKeys.origin] === 'command' || target.origin === 'command'
        ? 'command'
        : 'label';
    // Server-side apply removes what this manager owned and no longer sends:
    // the last deploy's commit and inventory stay until recordDeployed moves them.
    const { [annotationKeys.sha]: sha, ...identity } = target.annotations;
    const kept = pick(previous, [
      annotationKeys.sha,
      annotationKeys.inventory,
      annotationKeys.expiresAt,
    ]);
    await this.applyNamespace(target, {
      ...kept,
      ...identity,
      [annotationKeys.origin]: origin,
      [annotationKeys.deployingSha]: sha ?? '',
    });
    return { created: existing === undefined, origin };
  }

  isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return withRetry(() => this.objects.scopeOf(apiVersion, kind)).catch((error: unknown) => {
      // An unknown group or version answers 404 on discovery.
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    });
  }

  async apply(objects: KubernetesObject[], options: { dryRun: boolean }): Promise<void> {
    for (const object of objects) await this.applyOne(object, options.dryRun);
  }

  async deleteObjects(namespace: string, refs: ObjectRef[]): Promise<void> {
    for (const ref of refs) {
      try {
        await withRetry(() =>
          this.objects.delete(
            { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace } },
            undefined,
            undefined,
            undefined,
            undefined,
            'Background',
          ),
        );
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) continue;
        throw error;
      }
    }
  }

  async recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void> {
    await this.applyNamespace(target, {
      ...target.annotations,
      [annotationKeys.sha]: record.sha,
      [annotationKeys.origin]: record.origin,
      [annotationKeys.inventory]: JSON.stringify(record.inventory),
      ...(record.expiresAt ? { [annotationKeys.expiresAt]: record.expiresAt } : {}),
    });
  }

  private applyNamespace(
    target: PreviewTarget,
    annotations: Record<string, string>,
  ): Promise<void> {
    return this.applyOne(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: target.namespace, labels: target.labels, annotations },
      },
      false,
    );
  }

  async deleteNamespaces(names: string[]): Promise<void> {
    for (const name of names) {
      const current = await this.readNamespace(name);
      // A namespace already terminating answers a second delete with 409; it is on its way.
      if (!current || current.metadata?.deletionTimestamp) continue;
      try {
        await withRetry(() => this.core.deleteNamespace({ name, propagationPolicy: 'Background' }));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) continue;
        throw error;
      }
    }
    await this.waitGone(names);
  }

  async readSecrets(namespace: string, names: string[]): Promise<SecretCopy[]> {
    return Promise.all(
      names.map(async (name) => {
        try {
          const secret = await withRetry(() => this.core.readNamespacedSecret({ name, namespace }));
          return { name, ...(secret.type ? { type: secret.type } : {}), data: secret.data ?? {} };
        } catch (error) {
          if (error instanceof ApiException && error.code === 404) {
            throw new Error(
              `the app's Secret \`${name}\` is missing from namespace \`${namespace}\``,
            );
          }
          throw error;
        }
      }),
    );
  }

  /** Whether the API server answers at all: the app's readiness. */
  async reachable(): Promise<boolean> {
    try {
      await this.version.getCode();
      return true;
    } catch {
      return false;
    }
  }

  async waitForRollout(namespace: string, timeoutMs: number): Promise<RolloutResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [deployments, statefulSets, jobs] = await withRetry(() =>
        Promise.all([
          this.apps.listNamespacedDeployment({ namespace }),
          this.apps.listNamespacedStatefulSet({ namespace }),
          this.batch.listNamespacedJob({ namespace }),
        ]),
      );
      const failedJob = jobs.items.map(jobFailure).find(Boolean);
      const waiting = [
        ...deployments.items
          .filter((d) => !deploymentReady(d))
          .map((d) => `Deployment ${d.metadata?.name}`),
        ...statefulSets.items
          .filter((s) => !statefulSetReady(s))
          .map((s) => `StatefulSet ${s.metadata?.name}`),
        ...jobs.items.filter((j) => !jobComplete(j)).map((j) => `Job ${j.metadata?.name}`),
      ];
      if (waiting.length === 0) return { ready: true };
      if (failedJob || Date.now() >= deadline) {
        const [pods, events] = await Promise.all([
          this.core.listNamespacedPod({ namespace }),
          this.core.listNamespacedEvent({ namespace }),
        ]);
        const headline =
          failedJob ?? `${waiting.join(', ')} not ready after ${Math.round(timeoutMs / 1000)} s`;
        const byTime = events.items.sort((a, b) => eventTime(a) - eventTime(b));
        return { ready: false, reasons: [headline, ...diagnoseRollout(pods.items, byTime)] };
      }
      await sleep(500);
    }
  }

  private async waitGone(names: string[]): Promise<void> {
    const deadline = Date.now() + this.deleteTimeoutMs;
    let remaining = names;
    // The namespace controller takes seconds: poll less often as it goes on.
    let pause = 250;
    while (remaining.length > 0) {
      const present = await Promise.all(remaining.map((name) => this.readNamespace(name)));
      remaining = remaining.filter((_, i) => present[i] !== undefined);
      if (remaining.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `namespaces still terminating after ${this.deleteTimeoutMs / 1000} s: ${remaining.join(', ')}`,
        );
      }
      await sleep(pause);
      pause = Math.min(pause * 1.5, 2_000);
    }
  }

  private async readNamespace(name: string): Promise<V1Namespace | undefined> {
    try {
      return await withRetry(() => this.core.readNamespace({ name }));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  private async applyOne(object: KubernetesObject, dryRun: boolean): Promise<void> {
    try {
      await withRetry(() => this.objects.applyAsWritten(object, dryRun));
    } catch (error) {
      if (error instanceof ApiException && error.code >= 400 && error.code < 500) {
        throw new ObjectRejectedError(
          `the API server rejected ${describe(object)}: ${apiMessage(error)}`,
        );
      }
      throw error;
    }
  }
}

/** The API's own words: the Status object's message when there is one. */
export function apiMessage(error: ApiException<unknown>): string {
  const body = error.body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : `HTTP ${error.code}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

function toObservedPreview(namespace: V1Namespace): ObservedPreview {
  const annotations = namespace.metadata?.annotations ?? {};
  const labels = namespace.metadata?.labels ?? {};
  let inventory: ObjectRef[] = [];
  try {
    inventory = JSON.parse(annotations[annotationKeys.inventory] ?? '[]') as ObjectRef[];
  } catch {
    inventory = [];
  }
  return {
    namespace: namespace.metadata?.name ?? '',
    repositoryId: Number(labels[labelKeys.repositoryId]),
    pullRequest: Number(labels[labelKeys.pullRequest]),
    installationId: Number(labels[labelKeys.installationId]),
    tenant: labels[labelKeys.tenant] ?? null,
    sha: annotations[annotationKeys.sha],
    deployingSha: annotations[annotationKeys.deployingSha] || undefined,
    origin: annotations[annotationKeys.origin] === 'command' ? 'command' : 'label',
    expiresAt: annotations[annotationKeys.expiresAt],
    host: annotations[annotationKeys.host],
    inventory,
    terminating: Boolean(namespace.metadata?.deletionTimestamp),
  };
}

function pick(source: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.filter((key) => key in source).map((key) => [key, source[key] as string]),
  );
}

/** The same test as `kubectl rollout status`. */
function deploymentReady(d: V1Deployment): boolean {
  const replicas = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  return (
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.replicas ?? 0) <= (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
  );
}

function statefulSetReady(s: V1StatefulSet): boolean {
  const replicas = s.spec?.replicas ?? 1;
  const status = s.status ?? { replicas: 0 };
  return (
    (status.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0) &&
    (status.readyReplicas ?? 0) >= replicas &&
    (status.updatedReplicas ?? 0) >= replicas
  );
}

function jobComplete(j: V1Job): boolean {
  return Boolean(j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
}

function jobFailure(j: V1Job): string | undefined {
  const failed = j.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed
    ? `Job ${j.metadata?.name} failed: ${failed.message ?? failed.reason ?? 'no reason given'}`
    : undefined;
}

function eventTime(event: {
  lastTimestamp?: Date;
  eventTime?: Date;
  metadata?: { creationTimestamp?: Date };
}): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return time ? new Date(time).getTime() : 0;
}
