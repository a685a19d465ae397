import { kindOf } from '../plan/object-identity.ts';
import type { ClusterFacts } from '../ports.ts';

/**
 * The Kubernetes version a local render assumes without `--kubeconfig` or
 * `--kube-version`: a recent release, kept in step with the one the tests run.
 */
export const defaultKubeVersion = 'v1.37.0';

/**
 * Built-in cluster-scoped kinds, for rendering without a cluster. Any other
 * kind counts as namespaced, so the kind allowlist still decides about it.
 */
const clusterScoped = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ComponentStatus',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
]);

/**
 * What a render assumes without a cluster: the given version and API
 * versions on top of helm's own built-in ones, and the scope of built-in kinds.
 */
export function offlineFacts(params: {
  kubeVersion?: string;
  apiVersions?: string[];
}): ClusterFacts {
  return {
    kubeVersion: params.kubeVersion ?? defaultKubeVersion,
    apiVersions: params.apiVersions ?? [],
    namespaced: (apiVersion, kind) => !clusterScoped.has(kindOf({ apiVersion, kind })),
    fromCluster: false,
  };
}
