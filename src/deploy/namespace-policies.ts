import type { KubernetesObject } from '@kubernetes/client-node';
import { appObjects } from '../plan/app-objects.ts';
import { isolationPolicySpec, type NetworkFence } from './network-policy.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { PodSecurityLevel, SecretCopy } from '../ports.ts';

/** Sizes, neighbours and pod rules of every preview namespace, from the app's settings only. */
export interface NamespacePolicy extends NetworkFence {
  /** ResourceQuota `hard`, e.g. { 'requests.cpu': '2', pods: '30' }. */
  quota: Record<string, string>;
  /** LimitRange defaults for containers that state none. */
  defaultRequest: Record<string, string>;
  defaultLimit: Record<string, string>;
  /** The Pod Security level enforced in every preview namespace. */
  podSecurity: PodSecurityLevel;
  /** The ClusterRole (get and list of everything) that each namespace's reader is bound to. */
  readerRole: string;
}

/**
 * Sizes of a preview. Storage and object counts as well as CPU and memory:
 * with at most 10 ConfigMaps and 10 Secrets of 128 KiB each (the admission
 * policy's bound), one preview holds at most 2.5 MiB of them, and 300
 * previews (PREVIEW_MAX_TOTAL) 750 MiB, well inside a default etcd's 2 GiB.
 */
export const defaultQuota: Record<string, string> = {
  'requests.cpu': '4',
  'requests.memory': '8Gi',
  'limits.cpu': '8',
  'limits.memory': '16Gi',
  'requests.ephemeral-storage': '10Gi',
  'requests.storage': '20Gi',
  persistentvolumeclaims: '10',
  pods: '30',
  'count/configmaps': '10',
  'count/secrets': '10',
  'count/services': '20',
  'count/serviceaccounts': '20',
  'count/deployments.apps': '20',
  'count/statefulsets.apps': '20',
  'count/jobs.batch': '20',
  'count/cronjobs.batch': '20',
  'count/ingresses.networking.k8s.io': '10',
  'count/networkpolicies.networking.k8s.io': '10',
  'count/poddisruptionbudgets.policy': '20',
  'count/horizontalpodautoscalers.autoscaling': '20',
  'count/roles.rbac.authorization.k8s.io': '20',
  'count/rolebindings.rbac.authorization.k8s.io': '20',
};

export const defaultNamespacePolicy: NamespacePolicy = {
  quota: defaultQuota,
  // Ephemeral storage too: the quota counts it, and the kubelet evicts a pod past its limit.
  defaultRequest: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '50Mi' },
  defaultLimit: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' },
  ingressNamespace: 'ingress',
  appNamespace: 'default',
  egressCidrs: ['0.0.0.0/0', '::/0'],
  clusterCidrs: [],
  dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
  podSecurity: 'baseline',
  readerRole: 'pr-preview-lookup',
};

/** The ServiceAccount and RoleBinding through which helm's `lookup` reads a preview's own namespace. */
export const namespaceReaderName = appObjects.reader;

/**
 * The ResourceQuota, LimitRange and NetworkPolicy that every preview
 * namespace gets, and the reader that helm's `lookup` uses; applied with the
 * chart's objects, never taken from it.
 */
export function namespacePolicies(
  target: PreviewTarget,
  policy: NamespacePolicy,
): KubernetesObject[] {
  const metadata = (name: string) => ({
    name,
    namespace: target.namespace,
    labels: { ...target.labels },
    annotations: { ...target.annotations },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: metadata(appObjects.quota),
      spec: { hard: policy.quota },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: metadata(appObjects.limits),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: policy.defaultRequest,
            default: policy.defaultLimit,
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(appObjects.isolation),
      spec: isolationPolicySpec(policy),
    },
    ...namespaceReader(target, policy.readerRole),
  ] as unknown as KubernetesObject[];
}

/**
 * Reads everything in its own namespace and nothing else: generated
 * passwords that a chart keeps through `lookup` survive a push, and a chart
 * never sees another preview. Its rights are the platform's ClusterRole
 * `readerRole`, bound in this namespace only, which the app may bind but not
 * change. No token is mounted anywhere; the app asks for a short-lived one
 * for each render.
 */
export function namespaceReader(target: PreviewTarget, readerRole: string): KubernetesObject[] {
  const metadata = {
    name: namespaceReaderName,
    namespace: target.namespace,
    labels: { ...target.labels },
    annotations: { ...target.annotations },
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata,
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: readerRole },
      subjects: [
        { kind: 'ServiceAccount', name: namespaceReaderName, namespace: target.namespace },
      ],
    },
  ] as unknown as KubernetesObject[];
}

/** The app's Secrets, copied into a preview namespace under the preview's labels. */
export function copiedSecrets(target: PreviewTarget, secrets: SecretCopy[]): KubernetesObject[] {
  return secrets.map(
    (secret) =>
      ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secret.name,
          namespace: target.namespace,
          labels: { ...target.labels },
          annotations: { ...target.annotations },
        },
        ...(secret.type ? { type: secret.type } : {}),
        data: secret.data,
      }) as KubernetesObject,
  );
}
