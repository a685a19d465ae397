import type { V1Namespace } from '@kubernetes/client-node';
import { annotationKeys, labelKeys } from '../plan/labels.ts';
import { optional } from '../plan/optional.ts';
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
    ...optional('createdAt', isoTime(namespace.metadata?.creationTimestamp)),
    ...optional('activeAt', annotations[annotationKeys.activeAt]),
    ...optional('wokenAt', annotations[annotationKeys.wokenAt]),
    ...optional('sleepingSince', annotations[annotationKeys.sleepingSince]),
    ...optional('sleepAfterMs', seconds(annotations[annotationKeys.sleepAfter])),
    ...optional('rolloutTimeoutMs', seconds(annotations[annotationKeys.rolloutTimeout])),
    ...optional('keptBy', annotations[annotationKeys.keptBy]),
    ...optional('expiresNotBefore', annotations[annotationKeys.expiresNotBefore]),
    ...optional('expiryWarnedFor', annotations[annotationKeys.expiryWarnedFor]),
  };
}

/** A whole number of seconds, as the app writes them, in ms; anything else is absent. */
function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) * 1000 : undefined;
}

/** client-node gives timestamps as Dates; the app's marks are ISO text. */
function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
