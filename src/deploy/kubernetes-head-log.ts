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
import { isNotFound, isConflict } from './api-status.ts';

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

/**
 * When GitHub said each head of a fork's pull request was pushed, from the
 * signed pull_request webhooks: ConfigMaps in the app's own namespace, one
 * per pull request, which every replica reads. Keys are added by merge, so
 * two replicas recording two pushes keep both.
 */
export class KubernetesHeadLog implements HeadLog {
  private readonly core: CoreV1Api;
  private readonly namespace: string;
  /** Two installations of the app may share a namespace and a repository: names carry the instance. */
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, namespace: string, instance: string) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
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
    try {
      const log = await withRetry(() =>
        this.core.readNamespacedConfigMap({
          name: nameOf(this.instance, pr),
          namespace: this.namespace,
        }),
      );
      const at = log.data?.[sha];
      return at ? Date.parse(at) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async forget(pr: PullRequestKey): Promise<void> {
    try {
      await withRetry(() =>
        this.core.deleteNamespacedConfigMap({
          name: nameOf(this.instance, pr),
          namespace: this.namespace,
        }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function nameOf(instance: string, pr: PullRequestKey): string {
  return `pr-preview-${instance}-heads-${pr.repositoryId}-${pr.number}`;
}
