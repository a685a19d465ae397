import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '../ports.ts';

/** The API group of an apiVersion: `apps` for `apps/v1`, `''` for the core group's `v1`. */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

/** `group/Kind`, or `Kind` for the core group: how settings and guardrails name a kind. */
export function kindOf(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string {
  const group = groupOf(object.apiVersion ?? '');
  return group ? `${group}/${object.kind}` : `${object.kind}`;
}

/**
 * `apiVersion/Kind` (`apps/v1/Deployment`, `v1/Pod`): a kind at one version,
 * as helm's `--api-versions` and discovery name it, and where the shape of an
 * object's body depends on its version.
 */
export function versionedKindOf(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string {
  return `${object.apiVersion}/${object.kind}`;
}

/** Whether the object is of this group and kind, whatever the version. */
export function isKind(object: KubernetesObject, kind: string): boolean {
  return kindOf(object) === kind;
}

/** `Kind \`name\``, as comments and errors name an object. */
export function describe(object: Pick<KubernetesObject, 'kind' | 'metadata'>): string {
  return `${object.kind} \`${object.metadata?.name}\``;
}

/** What names an object inside its namespace, as inventories and results carry it. */
export function refOf(object: KubernetesObject): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
  };
}

/** One key per object of a namespace: group, kind and name (the version does not matter). */
export function identityOf(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.name}`;
}
