import type { KubernetesObject } from '@kubernetes/client-node';
import { UserFacingError } from '../errors.ts';

/** `Kind \`name\``, as comments and errors name an object. */
export function describe(object: KubernetesObject): string {
  return `${object.kind} \`${object.metadata?.name}\``;
}

/** What the app's own settings let a pull request put into the cluster. */
export interface Guardrails {
  /** Namespaced kinds a chart may create, as `Kind` or `group/Kind`. */
  allowedKinds: string[];
  /** ClusterRoles that a RoleBinding in a preview may refer to. */
  allowedClusterRoles: string[];
  /** Objects one preview may have, so a chart cannot flood the API server. */
  maxObjects: number;
}

export const defaultGuardrails: Guardrails = {
  allowedKinds: [
    'ConfigMap',
    'Secret',
    'Service',
    'ServiceAccount',
    'PersistentVolumeClaim',
    'apps/Deployment',
    'apps/StatefulSet',
    'apps/DaemonSet',
    'batch/Job',
    'batch/CronJob',
    'networking.k8s.io/Ingress',
    'networking.k8s.io/NetworkPolicy',
    'policy/PodDisruptionBudget',
    'autoscaling/HorizontalPodAutoscaler',
    'rbac.authorization.k8s.io/Role',
    'rbac.authorization.k8s.io/RoleBinding',
  ],
  allowedClusterRoles: ['view'],
  maxObjects: 500,
};

/** etcd keeps objects up to 1.5 MiB; one that big in a preview is a mistake or an attack. */
const maxObjectBytes = 1024 * 1024;

/**
 * Annotations that HAProxy and NGINX ingress controllers copy into their own
 * configuration: on a shared controller they would reach every other host.
 */
const controllerConfigAnnotation = /snippet|(^|\/)config-(backend|frontend|defaults|global|tcp)/i;

/**
 * Every object that the guardrails refuse, each with its reason; empty when
 * all may be applied. Pure: scope comes from the API server's discovery.
 */
export function refusedObjects(params: {
  objects: KubernetesObject[];
  namespace: string;
  guardrails: Guardrails;
  /** Whether the API server serves the kind in a namespace; undefined for an unknown kind. */
  namespaced: (object: KubernetesObject) => boolean | undefined;
  /** Objects the app itself puts into every preview namespace: a chart may not replace them. */
  reserved?: KubernetesObject[];
}): string[] {
  if (params.objects.length > params.guardrails.maxObjects) {
    return [
      `the chart renders ${params.objects.length} objects; a preview may have at most ${params.guardrails.maxObjects}`,
    ];
  }
  const refusals: string[] = [];
  const reserved = new Set((params.reserved ?? []).map(identity));
  for (const object of params.objects) {
    const name = describe(object);
    if (reserved.has(identity(object))) {
      refusals.push(`${name} has the name of an object the app puts into every preview`);
      continue;
    }
    const declared = object.metadata?.namespace;
    const namespaced = params.namespaced(object);
    if (namespaced === undefined) {
      refusals.push(
        `${name}: the cluster does not know kind ${object.kind} in ${object.apiVersion}`,
      );
    } else if (!namespaced) {
      refusals.push(
        `${name} is cluster-scoped; a preview may only create objects in its own namespace`,
      );
    } else if (declared && declared !== params.namespace) {
      refusals.push(
        `${name} asks for namespace \`${declared}\`; a preview may only use its own namespace`,
      );
    } else if (!kindAllowed(object, params.guardrails.allowedKinds)) {
      refusals.push(`${name}: kind ${kindOf(object)} is not on the app's list of allowed kinds`);
    } else {
      refusals.push(...contentRefusals(object, params.guardrails));
    }
  }
  return refusals;
}

/** What an allowed kind may still not say: a ClusterRole, a door into the node or the controller. */
function contentRefusals(object: KubernetesObject, guardrails: Guardrails): string[] {
  const name = describe(object);
  const refusals: string[] = [];
  const role = clusterRoleOf(object);
  if (role !== undefined && !guardrails.allowedClusterRoles.includes(role)) {
    refusals.push(`${name} binds ClusterRole \`${role}\`, which is not on the app's allowlist`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(object));
  if (bytes > maxObjectBytes) {
    refusals.push(
      `${name} is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a preview object may be at most ${maxObjectBytes / 1024 / 1024} MiB`,
    );
  }
  if (kindOf(object) === 'Service') {
    // NodePort and LoadBalancer Services are made ClusterIP when prepared.
    const spec = (object as { spec?: { externalIPs?: string[] } }).spec;
    if ((spec?.externalIPs ?? []).length > 0) {
      refusals.push(
        `${name} sets externalIPs, which would capture traffic meant for those addresses`,
      );
    }
  }
  if (kindOf(object) === 'networking.k8s.io/Ingress') {
    for (const key of Object.keys(object.metadata?.annotations ?? {})) {
      if (controllerConfigAnnotation.test(key)) {
        refusals.push(
          `${name} carries annotation \`${key}\`, which would write into the shared ingress controller's configuration`,
        );
      }
    }
  }
  return refusals;
}

export function refusalError(refusals: string[]): UserFacingError {
  return new UserFacingError(
    `the chart renders objects a preview may not create; nothing was applied:\n${refusals.map((r) => `- ${r}`).join('\n')}`,
  );
}

function identity(object: KubernetesObject): string {
  return `${kindOf(object)}/${object.metadata?.name}`;
}

export function kindOf(object: KubernetesObject): string {
  const apiVersion = object.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? `${group}/${object.kind}` : `${object.kind}`;
}

function kindAllowed(object: KubernetesObject, allowed: string[]): boolean {
  return allowed.includes(kindOf(object));
}

function clusterRoleOf(object: KubernetesObject): string | undefined {
  if (kindOf(object) !== 'rbac.authorization.k8s.io/RoleBinding') return undefined;
  const roleRef = (object as { roleRef?: { kind?: string; name?: string } }).roleRef;
  return roleRef?.kind === 'ClusterRole' ? (roleRef.name ?? '') : undefined;
}

const maxNodes = 1_000_000;

/**
 * Counts the nodes a document would have once written out, following shared
 * references (YAML aliases) each time: an alias bomb is small as YAML and
 * huge as JSON. True while the count stays under the bound.
 */
export function withinSizeBound(document: unknown, limit = maxNodes): boolean {
  let count = 0;
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (++count > limit) return false;
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') stack.push(...Object.values(node));
  }
  return true;
}
