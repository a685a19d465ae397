import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, kindOf } from '../../plan/object-identity.ts';
import { appObjectNames } from '../../plan/app-objects.ts';

const rbacGroup = 'rbac.authorization.k8s.io';

/** Verbs that change RBAC itself or act as someone else. */
const powerVerbs = ['escalate', 'bind', 'impersonate', '*'];
/** Resources on which those verbs give power. */
const powerResources = [
  '*',
  'roles',
  'clusterroles',
  'users',
  'groups',
  'serviceaccounts',
  'uids',
  'userextras',
];
const readVerbs = ['get', 'list', 'watch'];

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}

/**
 * RBAC stays in the preview's namespace: a RoleBinding names ServiceAccounts
 * of that namespace and binds its own Roles or a ClusterRole on the
 * platform's list; a Role grants neither escalate, bind nor impersonate, nor
 * rights over the app's objects (quotas, limits, or objects named like them).
 */
export function rbacRefusals(
  object: KubernetesObject,
  params: { namespace: string; allowedClusterRoles: string[] },
): string[] {
  const name = describe(object);
  if (kindOf(object) === `${rbacGroup}/RoleBinding`) {
    const binding = object as {
      roleRef?: { kind?: string; name?: string };
      subjects?: { kind?: string; name?: string; namespace?: string }[];
    };
    const refusals: string[] = [];
    const foreign = (binding.subjects ?? []).filter(
      (s) =>
        s.kind !== 'ServiceAccount' ||
        (s.namespace !== undefined && s.namespace !== params.namespace),
    );
    if (foreign.length > 0) {
      const whom = foreign.map(
        (s) => `${s.kind} \`${s.namespace ? `${s.namespace}/` : ''}${s.name}\``,
      );
      refusals.push(
        `${name} names ${whom.join(', ')}; a preview's RoleBinding names ServiceAccounts of its own namespace only`,
      );
    }
    const role = binding.roleRef;
    if (role?.kind === 'ClusterRole' && !params.allowedClusterRoles.includes(role.name ?? '')) {
      refusals.push(
        `${name} binds ClusterRole \`${role.name}\`, which is not on the app's allowlist (PREVIEW_ALLOWED_CLUSTER_ROLES)`,
      );
    }
    return refusals;
  }
  if (kindOf(object) !== `${rbacGroup}/Role`) return [];
  const rules = (object as { rules?: Rule[] }).rules ?? [];
  const refusals: string[] = [];
  const has = (list: string[] | undefined, wanted: string[]) =>
    (list ?? []).some((item) => wanted.includes(item));
  if (
    rules.some(
      (r) =>
        has(r.verbs, powerVerbs) &&
        (has(r.resources, powerResources) ||
          (r.resources ?? []).some((x) => x.startsWith('userextras/'))),
    )
  ) {
    refusals.push(
      `${name} grants escalate, bind or impersonate (or every verb on RBAC or identities)`,
    );
  }
  const overApp = rules.some(
    (r) =>
      (has(r.apiGroups, ['', '*']) &&
        (r.resources ?? []).some(overAppResource) &&
        (r.verbs ?? []).some((v) => !readVerbs.includes(v))) ||
      has(r.resourceNames, appObjectNames),
  );
  if (overApp) {
    refusals.push(
      `${name} grants rights over the app's objects: quotas, limits, the namespace itself, or objects named ${appObjectNames.map((n) => `\`${n}\``).join(', ')}`,
    );
  }
  return refusals;
}

/**
 * Resources whose writes reach the app's objects: the quota, the limits,
 * the namespace itself, and any subresource of them (a quota's `status`
 * sets what it counts as used), or of everything (`*`).
 */
function overAppResource(resource: string): boolean {
  const [base] = resource.split('/');
  return ['*', 'resourcequotas', 'limitranges', 'namespaces'].includes(base ?? '');
}
