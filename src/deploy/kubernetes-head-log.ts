import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { managerName } from '../plan/labels.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { HeadLog } from '../ports.ts';
import { withRetry } from './retry.ts';
import { isConflict } from './api-status.ts';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

/**
 * When GitHub said each head of a fork's pull request was pushed, from the
 * signed pull_request webhooks: ConfigMaps in the app's own namespace, one
 * per pull request, which every replica reads. Keys are added by merge, so
 * two replicas recording two pushes keep both.
 */
export class KubernetesHeadLog implements HeadLog {
  private readonly core: CoreV1Api;
  private readonly records: AppConfigMaps;
  private readonly namespace: string;
  /** Two installations of the app may share a namespace and a repository: names carry the instance. */
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, namespace: string, instance: string) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.records = new AppConfigMaps(kubeConfig, { namespace, instance });
    this.instance = instance;
    this.namespace = namespace;
  }

  async record(pr: PullRequestKey, sha: string, atMs: number): Promise<void> {
    const name = nameOf(this.instance, pr);
    const data = { [sha]: new Date(atMs).toISOString() };
    try {
      await withRetry(() =>
        this.core.createNamespacedConfigMap({
          namespace: this.namespace,
          body: {
            metadata: { name, labels: { 'app.kubernetes.io/part-of': managerName } },
            data,
          },
        }),
      );
    } catch (error) {
      if (!isConflict(error)) throw error;
      await withRetry(() =>
        this.core.patchNamespacedConfigMap(
          { name, namespace: this.namespace, body: { data } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    }
  }

  async pushedAt(pr: PullRequestKey, sha: string): Promise<number | undefined> {
    const at = (await this.records.read(nameOf(this.instance, pr)))?.data?.[sha];
    return at ? Date.parse(at) : undefined;
  }

  async forget(pr: PullRequestKey): Promise<void> {
    await this.records.delete(nameOf(this.instance, pr));
  }
}

function nameOf(instance: string, pr: PullRequestKey): string {
  return `pr-preview-${instance}-heads-${pr.repositoryId}-${pr.number}`;
}
