import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '../ports.ts';
import { identityOf, refOf } from './object-identity.ts';

/** Helm's annotation that keeps a resource when a release would delete it. */
export const resourcePolicyKey = 'helm.sh/resource-policy';

/** An applied object as the inventory records it: its identity, and whether helm would keep it. */
export function inventoryRef(object: KubernetesObject): ObjectRef {
  const keep = object.metadata?.annotations?.[resourcePolicyKey] === 'keep';
  return { ...refOf(object), ...(keep ? { keep: true } : {}) };
}

/**
 * Objects of the old inventory that the new render no longer has, as helm
 * upgrade removes them: group, kind and name make identity, and one whose
 * last deploy marked it `helm.sh/resource-policy: keep` stays (no longer
 * managed, as helm leaves it) until the preview goes.
 */
export function refsToPrune(previous: ObjectRef[], current: ObjectRef[]): ObjectRef[] {
  const kept = new Set(current.map(identityOf));
  return previous.filter((ref) => !ref.keep && !kept.has(identityOf(ref)));
}
