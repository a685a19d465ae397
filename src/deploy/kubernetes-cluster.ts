import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  VersionApi,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import type { PreviewOrigin } from '../plan/labels.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type {
  ApplyResult,
  Cluster,
  ClusterCredentials,
  DeployRecord,
  LifetimeMarks,
  ObjectRef,
  ObservedPreview,
  PodSecurityLevel,
  PreviewRecords,
  RolloutResult,
  SecretCopy,
} from '../ports.ts';
import type { KubernetesIdentity } from './kubernetes-identity.ts';
import { NamespaceAccess } from './kubernetes-namespace-access.ts';
import { applyObjects, deleteObjects, ObjectApi } from './kubernetes-objects.ts';
import { PreviewNamespaces } from './kubernetes-preview-namespaces.ts';
import { waitForCompletion, waitForRollout, type WaitClients } from './kubernetes-waits.ts';
import { namespaceReaderName } from './namespace-policies.ts';
import { PodSecurityCheck } from './kubernetes-pod-security.ts';
import { KubernetesSleep } from './kubernetes-sleep.ts';
import type { WakeBackend } from '../plan/sleep.ts';
import { withRetry } from './retry.ts';
import { isNotFound } from './api-status.ts';

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
  private readonly namespaces: PreviewNamespaces;
  private readonly podSecurity: PodSecurityCheck;
  private readonly sleeping: KubernetesSleep;

  constructor(kubeConfig: KubeConfig, options: KubernetesClusterOptions) {
    this.kubeConfig = kubeConfig;
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    // Binds the app's role in each namespace the app makes: the previews' own
    // and those in which the Pod Security check judges pod templates.
    const access = options.namespaceRole
      ? new NamespaceAccess(this.objects, options.namespaceRole)
      : undefined;
    this.podSecurity = new PodSecurityCheck(this.objects, access);
    this.sleeping = new KubernetesSleep(kubeConfig, options.records);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.namespaces = new PreviewNamespaces({
      core: this.core,
      objects: this.objects,
      access,
      instance: options.instance,
      namespaceLabels: options.namespaceLabels,
      deleteTimeoutMs: options.namespaceDeleteTimeoutMs ?? 300_000,
    });
    this.waits = {
      core: this.core,
      apps: kubeConfig.makeApiClient(AppsV1Api),
      batch: kubeConfig.makeApiClient(BatchV1Api),
      watch: new Watch(kubeConfig),
    };
    this.version = kubeConfig.makeApiClient(VersionApi);
  }

  // The namespaces themselves (list, adopt, ensure, record, delete) are
  // PreviewNamespaces' work; this class adds what goes on inside them.
  listPreviews(selector: string): Promise<ObservedPreview[]> {
    return this.namespaces.list(selector);
  }

  adoptPreviews(installationIds: number[]): Promise<{ adopted: string[]; others: number }> {
    return this.namespaces.adopt(installationIds);
  }

  ensureNamespace(target: PreviewTarget): Promise<{ created: boolean; origin: PreviewOrigin }> {
    return this.namespaces.ensure(target);
  }

  recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void> {
    return this.namespaces.recordDeployed(target, record);
  }

  deleteNamespaces(names: string[]): Promise<void> {
    return this.namespaces.delete(names);
  }

  markLifetime(namespace: string, marks: LifetimeMarks): Promise<boolean> {
    return this.namespaces.markLifetime(namespace, marks);
  }

  apply(
    objects: KubernetesObject[],
    options: { dryRun: boolean; asNew?: boolean; atOnce?: boolean },
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

  async readSecrets(namespace: string, names: string[]): Promise<SecretCopy[]> {
    return Promise.all(
      names.map(async (name) => {
        try {
          const secret = await withRetry(() => this.core.readNamespacedSecret({ name, namespace }));
          return { name, ...(secret.type ? { type: secret.type } : {}), data: secret.data ?? {} };
        } catch (error) {
          if (isNotFound(error)) {
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
      if (isNotFound(error)) return undefined;
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

  restoreRoutesAndMarkAwake(namespace: string, wokenAt: string): Promise<void> {
    return this.sleeping.restoreRoutesAndMarkAwake(namespace, wokenAt);
  }

  runningNamespaces(): Promise<Set<string>> {
    return this.sleeping.runningNamespaces();
  }
}
