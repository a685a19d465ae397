import type { V1Namespace } from '@kubernetes/client-node';
import { annotationKeys, labelKeys } from '../plan/labels.ts';
import type { ObjectRef, ObservedPreview } from '../ports.ts';

/** A preview as its namespace's labels and annotations record it: the cluster is the state. */
export function toObservedPreview(namespace: V1Namespace): ObservedPreview {
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
    ...(annotations[annotationKeys.repository]
      ? { repository: annotations[annotationKeys.repository] }
      : {}),
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
