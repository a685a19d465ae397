import type { KubeConfig } from '@kubernetes/client-node';
import type { FailureRecord } from '../plan/failure-memory.ts';
import { managerName } from '../plan/labels.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { FailureMemory } from '../ports.ts';
import { applyObjects, ObjectApi } from './kubernetes-objects.ts';
import { instanceLabel } from './admission-policies.ts';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

const memoryLabel = 'pr-preview.dev/failure-memory';

/**
 * Failed commits as ConfigMaps in the app's own namespace, one per pull
 * request: the cluster is the state, and every replica sees the same.
 */
export class KubernetesFailureMemory implements FailureMemory {
  private readonly records: AppConfigMaps;
  private readonly objects: ObjectApi;
  private readonly namespace: string;
  /** Two installations of the app may share a namespace and a repository: names carry the instance. */
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, namespace: string, instance: string) {
    this.records = new AppConfigMaps(kubeConfig, { namespace, instance });
    this.instance = instance;
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.namespace = namespace;
  }

  async list(): Promise<FailureRecord[]> {
    const items = await this.records.list(`${memoryLabel}=true`);
    return items.flatMap((item) => parse(item.data?.record));
  }

  async get(pr: PullRequestKey): Promise<FailureRecord | undefined> {
    const item = await this.records.read(nameOf(this.instance, pr));
    return item ? parse(item.data?.record)[0] : undefined;
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
    await this.records.delete(nameOf(this.instance, pr));
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
