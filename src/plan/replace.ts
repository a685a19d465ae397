import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, kindOf } from './object-identity.ts';

export type ReplaceDecision = { replace: true } | { replace: false; reason: string };

/**
 * Whether an object the API server will not update (a field is immutable)
 * may be deleted and created again. A preview is disposable, but its data is
 * someone's afternoon: a PersistentVolumeClaim, or a StatefulSet whose
 * deletion takes its claims along, is never deleted to get around it.
 */
export function replaceDecision(params: {
  object: KubernetesObject;
  /** What the API server said cannot change. */
  immutable: string;
  /** The StatefulSet as it is in the cluster, for its claims' retention. */
  live?: KubernetesObject;
}): ReplaceDecision {
  const { object } = params;
  const kind = kindOf(object);
  const keepsData = (what: string) => ({
    replace: false as const,
    reason: `${describe(object)} cannot change in place (${params.immutable}), and deleting it would delete ${what}, so the app does not; change it back, delete it yourself, or start the preview afresh with \`/preview redeploy\``,
  });
  if (kind === 'PersistentVolumeClaim') return keepsData('its volume and data');
  if (kind === 'apps/StatefulSet') {
    const retention = (
      params.live as { spec?: { persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string } } }
    )?.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted;
    if (retention === 'Delete')
      return keepsData('its PersistentVolumeClaims (whenDeleted: Delete)');
  }
  return { replace: true };
}
