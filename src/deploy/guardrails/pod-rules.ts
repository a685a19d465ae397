import type { KubernetesObject } from '@kubernetes/client-node';
import type { PlacementFence } from '../../plan/guardrails.ts';
import { describe, kindOf } from '../../plan/object-identity.ts';
import { namespaceReaderName } from '../namespace-policies.ts';

/** Tolerations the API server adds to every pod (DefaultTolerationSeconds): always allowed. */
export const defaultTolerationKeys = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
];

interface NodeSelectorTerm {
  matchExpressions?: { key?: string }[];
  matchFields?: unknown[];
}

interface PodSpec {
  tolerations?: { key?: string }[];
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  priorityClassName?: string;
  runtimeClassName?: string;
  serviceAccountName?: string;
  serviceAccount?: string;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
      preferredDuringSchedulingIgnoredDuringExecution?: { preference?: NodeSelectorTerm }[];
    };
  };
}

/** The pod spec an object runs, as Pod Security and the admission policies find it; undefined for others. */
export function podSpecOf(object: KubernetesObject): PodSpec | undefined {
  const body = object as {
    spec?: {
      template?: { spec?: PodSpec };
      jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
    } & PodSpec;
    template?: { spec?: PodSpec };
  };
  switch (kindOf(object)) {
    case 'Pod':
      return body.spec ?? {};
    case 'PodTemplate':
      return body.template?.spec ?? {};
    case 'batch/CronJob':
      return body.spec?.jobTemplate?.spec?.template?.spec ?? {};
    case 'ReplicationController':
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'batch/Job':
      return body.spec?.template?.spec ?? {};
    default:
      return undefined;
  }
}

/**
 * What keeps a pod off the nodes the platform keeps for itself: tolerations,
 * node selectors and node affinity, priority and runtime classes from the
 * platform's lists; never a node by name; never as the app's own reader.
 */
export function placementRefusals(object: KubernetesObject, fence: PlacementFence): string[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const name = describe(object);
  const refusals: string[] = [];
  const listed = (list: string[]) =>
    list.length > 0 ? list.map((k) => `\`${k}\``).join(', ') : 'none';
  const tolerated = (spec.tolerations ?? []).filter(
    (t) => !t.key || !(defaultTolerationKeys.includes(t.key) || fence.tolerations.includes(t.key)),
  );
  if (tolerated.length > 0) {
    const keys = tolerated.map((t) => (t.key ? `\`${t.key}\`` : 'every taint'));
    refusals.push(
      `${name} tolerates ${keys.join(', ')}; previews may tolerate ${listed(fence.tolerations)} (PREVIEW_TOLERATIONS)`,
    );
  }
  const terms = [
    ...(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? []),
    ...(spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
      (p) => p.preference ?? {},
    ),
  ];
  const keys = [
    ...Object.keys(spec.nodeSelector ?? {}),
    ...terms.flatMap((term) => (term.matchExpressions ?? []).map((e) => e.key ?? '')),
  ].filter((key) => !fence.nodeSelectorKeys.includes(key));
  if (keys.length > 0) {
    refusals.push(
      `${name} selects nodes by ${[...new Set(keys)].map((k) => `\`${k}\``).join(', ')}; previews may select by ${listed(fence.nodeSelectorKeys)} (PREVIEW_NODE_SELECTOR_KEYS)`,
    );
  }
  if (terms.some((term) => (term.matchFields ?? []).length > 0)) {
    refusals.push(`${name} has node affinity by field (a node's name), which previews may not use`);
  }
  if (spec.nodeName) {
    refusals.push(
      `${name} names its node (\`nodeName: ${spec.nodeName}\`), which skips the scheduler and the taints it keeps`,
    );
  }
  for (const [field, value, allowed, setting] of [
    ['priority class', spec.priorityClassName, fence.priorityClasses, 'PREVIEW_PRIORITY_CLASSES'],
    ['runtime class', spec.runtimeClassName, fence.runtimeClasses, 'PREVIEW_RUNTIME_CLASSES'],
  ] as const) {
    if (value && !allowed.includes(value)) {
      refusals.push(
        `${name} asks for ${field} \`${value}\`; previews may use ${listed(allowed)} (${setting})`,
      );
    }
  }
  if ([spec.serviceAccountName, spec.serviceAccount].includes(namespaceReaderName)) {
    refusals.push(`${name} runs as the app's reader \`${namespaceReaderName}\``);
  }
  return refusals;
}
