import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../config/resolve-config.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { SecretCopy } from '../ports.ts';
import { copiedSecrets, namespacePolicies, type NamespacePolicy } from './namespace-policies.ts';
import { prepareObjects } from './prepare-objects.ts';

/** Everything a preview namespace receives: the app's fences first, then the chart. */
export function objectsToApply(params: {
  chartObjects: KubernetesObject[];
  target: PreviewTarget;
  config: PreviewConfig;
  namespacePolicy: NamespacePolicy;
  secrets: SecretCopy[];
}): KubernetesObject[] {
  return [
    ...namespacePolicies(params.target, params.namespacePolicy),
    ...copiedSecrets(params.target, params.secrets),
    ...prepareObjects({
      objects: params.chartObjects,
      target: params.target,
      ingress: params.config.ingress,
    }),
  ];
}
