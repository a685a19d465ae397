import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { managerName } from '../plan/labels.ts';
import type { HookRecord, PreviewRecords, SleepRecord } from '../ports.ts';
import { instanceLabel } from './admission-policies.ts';
import { recordLabel } from './kubernetes-config-maps.ts';
import { applyObjects, ObjectApi } from './kubernetes-objects.ts';
import { withRetry } from './retry.ts';
import { isNotFound } from './api-status.ts';

/** On each record: the preview namespace it is about. */
const namespaceLabel = 'pr-preview.dev/preview-namespace';

type RecordKind = 'hooks' | 'sleep';

/**
 * What the app acts on later about a preview, kept in the app's own
 * namespace, where no preview can write: its `pre-delete` hooks (a Secret,
 * as helm keeps releases: hooks may hold credentials) and, while it sleeps,
 * the replicas and routes it had (a ConfigMap). Nothing the preview's pods
 * could write is ever read back as an instruction.
 */
export class KubernetesRecords implements PreviewRecords {
  private readonly core: CoreV1Api;
  private readonly objects: ObjectApi;
  private readonly namespace: string;
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, options: { namespace: string; instance: string }) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.namespace = options.namespace;
    this.instance = options.instance;
  }

  async putHooks(preview: string, record: HookRecord): Promise<void> {
    if (record.hooks.length === 0) {
      await this.remove('hooks', preview);
      return;
    }
    await this.write('hooks', preview, JSON.stringify(record));
  }

  async hooks(preview: string): Promise<HookRecord | undefined> {
    const record = parse<HookRecord>(await this.read('hooks', preview));
    return record && Array.isArray(record.hooks) && typeof record.timeoutMs === 'number'
      ? record
      : undefined;
  }

  async putSleep(preview: string, record: SleepRecord): Promise<void> {
    await this.write('sleep', preview, JSON.stringify(record));
  }

  async sleep(preview: string): Promise<SleepRecord | undefined> {
    const record = parse<SleepRecord>(await this.read('sleep', preview));
    return record && typeof record.replicas === 'object' && typeof record.routes === 'object'
      ? record
      : undefined;
  }

  async forgetSleep(preview: string): Promise<void> {
    await this.remove('sleep', preview);
  }

  async forget(preview: string): Promise<void> {
    await Promise.all([this.remove('hooks', preview), this.remove('sleep', preview)]);
  }

  async previews(): Promise<string[]> {
    const labelSelector = `${instanceLabel}=${this.instance},${recordLabel}`;
    const [secrets, configMaps] = await Promise.all([
      withRetry(() => this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector })),
      withRetry(() =>
        this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector }),
      ),
    ]);
    const names = [...secrets.items, ...configMaps.items].map(
      (item) => item.metadata?.labels?.[namespaceLabel] ?? '',
    );
    return [...new Set(names.filter(Boolean))].sort();
  }

  private async write(kind: RecordKind, preview: string, text: string): Promise<void> {
    const metadata = {
      name: nameOf(kind, preview),
      namespace: this.namespace,
      labels: {
        'app.kubernetes.io/part-of': managerName,
        [instanceLabel]: this.instance,
        [recordLabel]: kind,
        [namespaceLabel]: preview,
      },
    };
    const object =
      kind === 'hooks'
        ? {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata,
            type: 'pr-preview.dev/hooks',
            data: { record: Buffer.from(text).toString('base64') },
          }
        : { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { record: text } };
    await applyObjects(this.objects, [object], { dryRun: false });
  }

  private async read(kind: RecordKind, preview: string): Promise<string | undefined> {
    const name = nameOf(kind, preview);
    try {
      if (kind === 'hooks') {
        const secret = await withRetry(() =>
          this.core.readNamespacedSecret({ name, namespace: this.namespace }),
        );
        const encoded = secret.data?.record;
        return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
      }
      const configMap = await withRetry(() =>
        this.core.readNamespacedConfigMap({ name, namespace: this.namespace }),
      );
      return configMap.data?.record;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async remove(kind: RecordKind, preview: string): Promise<void> {
    const name = nameOf(kind, preview);
    try {
      await withRetry(() =>
        kind === 'hooks'
          ? this.core.deleteNamespacedSecret({ name, namespace: this.namespace })
          : this.core.deleteNamespacedConfigMap({ name, namespace: this.namespace }),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

function nameOf(kind: RecordKind, preview: string): string {
  return `pr-preview-${kind}-${preview}`;
}

function parse<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
