import type { KubernetesObject } from '@kubernetes/client-node';
import type { Hook } from '../plan/helm-hooks.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { SecretCopy } from '../ports.ts';

/**
 * The Secret in which a deploy leaves its `pre-delete` hooks, rendered and
 * prepared, for the destroy that may come much later (the chart is not
 * rendered again to tear down). A Secret, as helm keeps its releases: hooks
 * may hold credentials.
 */
export const hookRecordName = 'pr-preview-hooks';

export interface HookRecord {
  /** How long each hook may take: the repository's `rolloutTimeout` at the deploy. */
  timeoutMs: number;
  hooks: Hook[];
}

export function hookRecordSecret(target: PreviewTarget, record: HookRecord): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: hookRecordName,
      namespace: target.namespace,
      labels: { ...target.labels },
      annotations: { ...target.annotations },
    },
    type: 'pr-preview.dev/hooks',
    data: { record: Buffer.from(JSON.stringify(record)).toString('base64') },
  } as KubernetesObject;
}

/** The record a deploy left; undefined when it cannot be read, so a destroy goes on without it. */
export function parseHookRecord(secret: SecretCopy): HookRecord | undefined {
  const encoded = secret.data.record;
  if (!encoded) return undefined;
  try {
    const record = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as HookRecord;
    return Array.isArray(record.hooks) && typeof record.timeoutMs === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}
