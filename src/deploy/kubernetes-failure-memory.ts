import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { FailureRecord } from '../plan/failure-memory.ts';
import { managerName } from '../plan/labels.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { FailureMemory } from '../ports.ts';
import { applyObjects, ObjectApi } from './kubernetes-objects.ts';
import { instanceLabel } from './admission-policies.ts';
import { withRetry } from './retry.ts';
import { isNotFound } from './api-status.ts';

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

const memoryLabel = 'pr-preview.dev/failure-memory';

/**
 * Failed commits as ConfigMaps in the app's own namespace, one per pull
 * request: the cluster is the state, and every replica sees the same.
 */
export class KubernetesFailureMemory implements FailureMemory {
  private readonly core: CoreV1Api;
  private readonly objects: ObjectApi;
  private readonly namespace: string;
  /** Two installations of the app may share a namespace and a repository: names carry the instance. */
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, namespace: string, instance: string) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.instance = instance;
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.namespace = namespace;
  }

  async list(): Promise<FailureRecord[]> {
    const list = await withRetry(() =>
      this.core.listNamespacedConfigMap({
        namespace: this.namespace,
        labelSelector: `${memoryLabel}=true,${instanceLabel}=${this.instance}`,
      }),
    );
    return list.items.flatMap((item) => parse(item.data?.record));
  }

  async get(pr: PullRequestKey): Promise<FailureRecord | undefined> {
    try {
      const item = await withRetry(() =>
        this.core.readNamespacedConfigMap({
          name: nameOf(this.instance, pr),
          namespace: this.namespace,
        }),
      );
      return parse(item.data?.record)[0];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(record: FailureRecord): Promise<void> {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: nameOf(this.instance, {
          repositoryId: record.repositoryId,
          number: record.pullRequest,
        }),
        namespace: this.namespace,
        labels: {
          [memoryLabel]: 'true',
          'app.kubernetes.io/part-of': managerName,
          [instanceLabel]: this.instance,
        },
      },
      data: { record: JSON.stringify(record) },
    };
    await applyObjects(this.objects, [configMap], { dryRun: false });
  }

  async clear(pr: PullRequestKey): Promise<void> {
    try {
      await withRetry(() =>
        this.core.deleteNamespacedConfigMap({
          name: nameOf(this.instance, pr),
          namespace: this.namespace,
        }),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

function nameOf(instance: string, pr: PullRequestKey): string {
  return `pr-preview-${instance}-failed-${pr.repositoryId}-${pr.number}`;
}

function parse(text: string | undefined): FailureRecord[] {
  if (!text) return [];
  try {
    return [JSON.parse(text) as FailureRecord];
  } catch {
    return [];
  }
}
