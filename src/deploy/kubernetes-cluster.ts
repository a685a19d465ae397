import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  type KubernetesObject,
  type V1Namespace,
} from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserFacingError } from '../errors.ts';
import { annotationKeys, labelKeys, type PreviewOrigin } from '../plan/labels.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type {
  ApplyResult,
  Cluster,
  ClusterCredentials,
  DeployRecord,
  ObjectRef,
  ObservedPreview,
  PreviewRecords,
  RolloutResult,
  SecretCopy,
} from '../ports.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import { instanceLabel } from './admission-policies.ts';
import type { KubernetesIdentity } from './kubernetes-identity.ts';
import { NamespaceAccess } from './kubernetes-namespace-access.ts';
import { applyObjects, deleteObjects, ObjectApi } from './kubernetes-objects.ts';
import { waitForCompletion, waitForRollout, type WaitClients } from './kubernetes-waits.ts';
import { namespaceReaderName } from './namespace-policies.ts';
import { PodSecurityCheck } from './kubernetes-pod-security.ts';
import { KubernetesSleep } from './kubernetes-sleep.ts';
import type { WakeBackend } from '../plan/sleep.ts';
import { toObservedPreview } from './observed-preview.ts';
import type { PodSecurityLevel } from './pod-security.ts';
import { withRetry } from './retry.ts';

/** How long a token for helm's `lookup` lasts: one render, with room to spare (600 s is the API's least). */
const readerTokenSeconds = 600;

export interface KubernetesClusterOptions {
  /** How long a destroy waits for its namespaces to disappear. */
  namespaceDeleteTimeoutMs?: number;
  /** This installation of the app: it sees and manages only the previews that carry it. */
  instance: string;
  /** Labels of the app's own on every preview namespace: its instance, its Pod Security level. */
  namespaceLabels?: Record<string, string>;
  /** Where sleep keeps what a preview had; the app's own namespace. */
  records: PreviewRecords;
  /**
   * The ClusterRole that gives the app its rights in each preview namespace
   * (RoleBinding `pr-preview-app`), so that it needs no cluster-wide rights
   * over what charts create, nor `escalate` for their Roles.
   */
  namespaceRole?: { name: string; identity: KubernetesIdentity };
}

export class KubernetesCluster implements Cluster {
  private readonly kubeConfig: KubeConfig;
  private readonly objects: ObjectApi;
  private readonly core: CoreV1Api;
  private readonly waits: WaitClients;
  private readonly version: VersionApi;
  private readonly deleteTimeoutMs: number;
  private readonly namespaceLabels: Record<string, string>;
  private readonly podSecurity: PodSecurityCheck;
  private readonly sleeping: KubernetesSleep;
  private readonly access: NamespaceAccess | undefined;
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, options: KubernetesClusterOptions) {
    this.instance = options.instance;
    this.namespaceLabels = { ...options.namespaceLabels, [instanceLabel]: options.instance };
    this.kubeConfig = kubeConfig;
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.access = options.namespaceRole
      ? new NamespaceAccess(this.objects, options.namespaceRole)
      : undefined;
    this.podSecurity = new PodSecurityCheck(this.objects, this.access);
    this.sleeping = new KubernetesSleep(kubeConfig, options.records);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.waits = {
      core: this.core,
      apps: kubeConfig.makeApiClient(AppsV1Api),
      batch: kubeConfig.makeApiClient(BatchV1Api),
    };
    this.version = kubeConfig.makeApiClient(VersionApi);
    this.deleteTimeoutMs = options.namespaceDeleteTimeoutMs ?? 300_000;
  }

  /** This instance's previews that match the selector; other installations' are never seen. */
  async listPreviews(selector: string): Promise<ObservedPreview[]> {
    const labelSelector = `${selector},${instanceLabel}=${this.instance}`;
    const list = await withRetry(() => this.core.listNamespace({ labelSelector }));
    return list.items.map(toObservedPreview);
  }

  /**
   * Previews made before namespaces named their instance: those of this
   * app's installations are labelled as its own (installation ids belong to
   * one GitHub App); returns how many previews of other installations there are.
   */
  async adoptPreviews(installationIds: number[]): Promise<{ adopted: string[]; others: number }> {
    const unlabelled = await withRetry(() =>
      this.core.listNamespace({ labelSelector: `${allPreviewsSelector},!${instanceLabel}` }),
    );
    const ours = new Set(installationIds.map(String));
    const adopted: string[] = [];
    for (const namespace of unlabelled.items) {
      const name = namespace.metadata?.name ?? '';
      if (!ours.has(namespace.metadata?.labels?.[labelKeys.installationId] ?? '')) continue;
      // A merge, not an apply: the namespace's other fields keep their owners.
      await withRetry(() =>
        this.core.patchNamespace(
          { name, body: { metadata: { labels: { [instanceLabel]: this.instance } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
      adopted.push(name);
    }
    const others = await withRetry(() =>
      this.core.listNamespace({
        labelSelector: `${allPreviewsSelector},${instanceLabel},${instanceLabel}!=${this.instance}`,
      }),
    );
    return { adopted, others: others.items.length };
  }

  async ensureNamespace(
    target: PreviewTarget,
  ): Promise<{ created: boolean; origin: PreviewOrigin }> {
    let existing = await this.readNamespace(target.namespace);
    const owner = existing?.metadata?.labels?.[labelKeys.repositoryId];
    const instance = existing?.metadata?.labels?.[instanceLabel];
    if (existing && instance !== undefined && instance !== this.instance) {
      throw new UserFacingError(
        `namespace \`${target.namespace}\` belongs to another installation of pr-preview (\`${instance}\`) on this cluster; give this repository a unique \`app\` in .github/preview.yml`,
      );
    }
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
      annotationKeys.activeAt,
      annotationKeys.sleepAfter,
      annotationKeys.rolloutTimeout,
    ]);
    await this.applyNamespace(target, {
      ...kept,
      ...identity,
      [annotationKeys.origin]: origin,
      [annotationKeys.deployingSha]: sha ?? '',
    });
    await this.access?.bind(target.namespace, existing === undefined);
    return { created: existing === undefined, origin };
  }

  apply(
    objects: KubernetesObject[],
    options: { dryRun: boolean; asNew?: boolean },
  ): Promise<ApplyResult> {
    return applyObjects(this.objects, objects, options);
  }

  podSecurityWarnings(
    objects: KubernetesObject[],
    level: PodSecurityLevel,
  ): Promise<ApplyResult['warnings']> {
    return this.podSecurity.warnings(objects, level);
  }

  deleteObjects(namespace: string, refs: ObjectRef[], options: { waitMs?: number } = {}) {
    return deleteObjects(this.objects, namespace, refs, options.waitMs);
  }

  async recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void> {
    await this.applyNamespace(target, {
      ...target.annotations,
      [annotationKeys.sha]: record.sha,
      [annotationKeys.origin]: record.origin,
      [annotationKeys.inventory]: JSON.stringify(record.inventory),
      ...(record.expiresAt ? { [annotationKeys.expiresAt]: record.expiresAt } : {}),
      [annotationKeys.activeAt]: new Date().toISOString(),
      [annotationKeys.rolloutTimeout]: String(Math.ceil(record.rolloutTimeoutMs / 1000)),
      ...(record.sleepAfterMs !== undefined
        ? { [annotationKeys.sleepAfter]: String(Math.ceil(record.sleepAfterMs / 1000)) }
        : {}),
    });
  }

  private async applyNamespace(
    target: PreviewTarget,
    annotations: Record<string, string>,
  ): Promise<void> {
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: target.namespace,
        labels: { ...this.namespaceLabels, ...target.labels },
        annotations,
      },
    };
    await applyObjects(this.objects, [namespace], { dryRun: false });
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

  waitForRollout(namespace: string, refs: ObjectRef[], timeoutMs: number): Promise<RolloutResult> {
    return waitForRollout(this.waits, { namespace, refs, timeoutMs });
  }

  waitForCompletion(namespace: string, ref: ObjectRef, timeoutMs: number): Promise<RolloutResult> {
    return waitForCompletion(this.waits, { namespace, ref, timeoutMs });
  }

  /**
   * A short-lived token of the namespace's reader ServiceAccount, which a
   * Role lets read that namespace and nothing else. Undefined until the
   * namespace has its reader (a first deploy applies it).
   */
  async namespaceReader(namespace: string): Promise<ClusterCredentials | undefined> {
    let token: string | undefined;
    try {
      const answer = await withRetry(() =>
        this.core.createNamespacedServiceAccountToken({
          name: namespaceReaderName,
          namespace,
          body: { spec: { audiences: [], expirationSeconds: readerTokenSeconds } },
        }),
      );
      token = answer.status?.token;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
    if (!token) return undefined;
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig names no cluster');
    const certificateAuthorityData =
      cluster.caData ??
      (cluster.caFile ? (await readFile(cluster.caFile)).toString('base64') : undefined);
    return {
      server: cluster.server,
      token,
      ...(certificateAuthorityData ? { certificateAuthorityData } : {}),
      ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
    };
  }

  sleep(namespace: string, since: string, wake: WakeBackend): Promise<void> {
    return this.sleeping.sleep(namespace, since, wake);
  }

  restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    return this.sleeping.restoreReplicas(namespace);
  }

  restoreRoutes(namespace: string, wokenAt: string): Promise<void> {
    return this.sleeping.restoreRoutes(namespace, wokenAt);
  }

  runningNamespaces(): Promise<Set<string>> {
    return this.sleeping.runningNamespaces();
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
}

function pick(source: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.filter((key) => key in source).map((key) => [key, source[key] as string]),
  );
}
