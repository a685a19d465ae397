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
 * The objects cut into runs of one kind, in their order: helm creates each
 * run's objects at once and waits for the run before the next (its
 * `batchPerform`), so whatever a kind needs of an earlier kind is there.
 */
export function kindBatches<T extends { kind?: string }>(objects: T[]): T[][] {
  const batches: T[][] = [];
  for (const object of objects) {
    const last = batches.at(-1);
    if (last && last[0]?.kind === object.kind) last.push(object);
    else batches.push([object]);
  }
  return batches;
}
