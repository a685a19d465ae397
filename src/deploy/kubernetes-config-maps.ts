import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { managerName } from '../plan/labels.ts';
import { instanceLabel } from './admission-policies.ts';
import { transientButNoConflict, withRetry } from './retry.ts';
import { isNotFound, isConflict } from './api-status.ts';

/** The label that tells the app's records apart by kind (jobs, comments, claims...). */
export const recordLabel = 'pr-preview.dev/record';

/** What one record holds: labels to find it by, and its data. */
export interface RecordBody {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: Record<string, string>;
}

/** How often a change is decided again after another replica changed the record first. */
const maxConflicts = 20;

/**
 * This installation's records as ConfigMaps in the app's own namespace,
 * where no preview can write: every one carries the instance label, and
 * every change is a compare-and-swap on the resourceVersion read, so two
 * replicas never overwrite each other's change unseen.
 */
export class AppConfigMaps {
  private readonly core: CoreV1Api;
  readonly namespace: string;
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, options: { namespace: string; instance: string }) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.namespace = options.namespace;
    this.instance = options.instance;
  }

  async read(name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await withRetry(() =>
        this.core.readNamespacedConfigMap({ name, namespace: this.namespace }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** This installation's records that match `selector` (labels, comma-separated). */
  async list(selector: string): Promise<V1ConfigMap[]> {
    const labelSelector = [`${instanceLabel}=${this.instance}`, selector].join(',');
    const list = await withRetry(() =>
      this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector }),
    );
    return list.items;
  }

  /** Creates the record; false when one of that name exists already (409). */
  async create(name: string, body: RecordBody): Promise<boolean> {
    try {
      await withRetry(
        () =>
          this.core.createNamespacedConfigMap({
            namespace: this.namespace,
            body: this.object(name, body),
          }),
        { retriable: transientButNoConflict },
      );
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /**
   * Changes the record as `decide` says, from what is stored now: undefined
   * leaves it as it is; a conflict reads it again and decides again.
   */
  async update(
    name: string,
    decide: (current: V1ConfigMap | undefined) => RecordBody | undefined,
  ): Promise<V1ConfigMap | undefined> {
    for (let attempt = 0; attempt < maxConflicts; attempt++) {
      const current = await this.read(name);
      const next = decide(current);
      if (!next) return current;
      const body = this.object(name, next, current?.metadata?.resourceVersion);
      try {
        return await withRetry(
          () =>
            current
              ? this.core.replaceNamespacedConfigMap({ name, namespace: this.namespace, body })
              : this.core.createNamespacedConfigMap({ namespace: this.namespace, body }),
          { retriable: transientButNoConflict },
        );
      } catch (error) {
        // Changed, or deleted (a replace of what is gone is 404), since it was read: read again.
        if (isConflict(error) || (current && isNotFound(error))) continue;
        throw error;
      }
    }
    throw new Error(`the record ${name} changed ${maxConflicts} times while being written`);
  }

  /** Deletes the record (only as it was read, with `resourceVersion`); gone already is fine. */
  async delete(name: string, resourceVersion?: string): Promise<boolean> {
    try {
      await withRetry(
        () =>
          this.core.deleteNamespacedConfigMap({
            name,
            namespace: this.namespace,
            ...(resourceVersion ? { body: { preconditions: { resourceVersion } } } : {}),
          }),
        { retriable: transientButNoConflict },
      );
      return true;
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) return false;
      throw error;
    }
  }

  private object(name: string, body: RecordBody, resourceVersion?: string): V1ConfigMap {
    return {
      metadata: {
        name,
        namespace: this.namespace,
        labels: {
          ...body.labels,
          'app.kubernetes.io/part-of': managerName,
          [instanceLabel]: this.instance,
        },
        ...(body.annotations ? { annotations: body.annotations } : {}),
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      data: body.data,
    };
  }
}
