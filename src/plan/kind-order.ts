/**
 * The order in which helm installs kinds (its `releaseutil.InstallOrder`):
 * what a chart author expects to exist before the next thing starts.
 */
const installOrder = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const rank = new Map(installOrder.map((kind, index) => [kind, index]));

/** Negative when kind `a` installs before kind `b`; kinds helm does not list come last, by name. */
export function compareKinds(a: string, b: string): number {
  const rankA = rank.get(a);
  const rankB = rank.get(b);
  if (rankA !== undefined && rankB !== undefined) return rankA - rankB;
  if (rankA !== undefined) return -1;
  if (rankB !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kinds that shape how later objects are admitted or run (priorities, the
 * namespace, network policy, quota, limits, pod policy), the ones helm puts
 * before all others: everything after them waits for them, as in helm.
 */
const policies = installOrder.slice(0, installOrder.indexOf('PodDisruptionBudget'));

/** What pods read or are bound to when they are created: a workload waits for all of it. */
const podInputs = [
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'PersistentVolumeClaim',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'RoleBinding',
  'RoleBindingList',
  // Pods get the Services that exist when they start as environment variables.
  'Service',
];
const workloads = [
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
];
const roles = ['ClusterRole', 'ClusterRoleList', 'Role', 'RoleList'];

/**
 * Which earlier kinds of helm's order a kind needs in the cluster before it
 * is created, beyond the policies: a token Secret its ServiceAccount (else
 * the token controller deletes it), a binding its role (else the API server
 * refuses it as an escalation), a claim its class and volume, a workload its
 * pods' inputs, an autoscaler its target, an Ingress its Service and class.
 */
const needs: Record<string, string[]> = {
  Secret: ['ServiceAccount'],
  SecretList: ['ServiceAccount'],
  PersistentVolumeClaim: ['StorageClass', 'PersistentVolume'],
  ClusterRoleBinding: ['ClusterRole', 'ClusterRoleList'],
  ClusterRoleBindingList: ['ClusterRole', 'ClusterRoleList'],
  RoleBinding: roles,
  RoleBindingList: roles,
  ...Object.fromEntries(workloads.map((kind) => [kind, podInputs])),
  HorizontalPodAutoscaler: ['ReplicationController', 'ReplicaSet', 'Deployment'],
  Ingress: ['Service', 'IngressClass'],
  APIService: ['Service'],
};

/** Whether `kind` must wait for an object of kind `earlier` that came before it. */
function waitsFor(kind: string, earlier: string): boolean {
  if (kind === earlier) return false;
  // A custom resource may need anything before it, another custom resource's kind too: each
  // kind helm does not list keeps a batch of its own, as in helm.
  if (!rank.has(kind) || !rank.has(earlier)) return true;
  if (policies.includes(earlier)) return true;
  return needs[kind]?.includes(earlier) ?? false;
}

/**
 * The objects, in helm's kind order, cut into batches that are created at
 * once, each once the one before is in. helm waits between every two kinds
 * (its `batchPerform`); here a batch goes on for as long as no kind in it
 * needs one already in it, so whatever a kind needs of an earlier kind is
 * there before it, with one round trip where helm makes several (a
 * ConfigMap, Service, Deployment and Ingress go in two batches, not four).
 */
export function installBatches<T extends { kind?: string }>(objects: T[]): T[][] {
  const batches: T[][] = [];
  for (const object of objects) {
    const kind = object.kind ?? '';
    const last = batches.at(-1);
    if (last && !last.some((other) => waitsFor(kind, other.kind ?? ''))) last.push(object);
    else batches.push([object]);
  }
  return batches;
}
