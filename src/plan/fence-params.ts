import type { Guardrails } from './guardrails.ts';

/**
 * A list as the admission policies read it: comma-separated and wrapped in
 * commas, `,a,b,` (`,` when empty), so that `contains(',' + name + ',')` finds whole names.
 */
function wrapped(items: string[]): string {
  return items.length > 0 ? `,${items.join(',')},` : ',';
}

/**
 * The data of the ConfigMap from which this instance's admission policies
 * read the platform's lists (charts/pr-preview/admission/fences.yaml names
 * each key). The same lists as the guardrails: one source for both.
 */
export function fenceParams(params: {
  guardrails: Guardrails;
  /** Who the app is to the API server: the one writer of its own objects. */
  appUser: string;
  /** Secrets the app copies into every preview. */
  copiedSecrets: string[];
  /** The cluster's default StorageClass, which claims without a class get. */
  defaultStorageClass?: string;
}): Record<string, string> {
  const { guardrails } = params;
  return {
    appUser: params.appUser,
    ingressClasses: wrapped(guardrails.ingress.classes),
    ingressAnnotations: guardrails.ingress.annotations.join(','),
    controllerPrefixes: wrapped(guardrails.ingress.controllerPrefixes),
    tolerations: wrapped(guardrails.placement.tolerations),
    nodeSelectorKeys: wrapped(guardrails.placement.nodeSelectorKeys),
    priorityClasses: wrapped(guardrails.placement.priorityClasses),
    runtimeClasses: wrapped(guardrails.placement.runtimeClasses),
    storageClasses: wrapped([
      ...guardrails.storageClasses,
      ...(params.defaultStorageClass ? [params.defaultStorageClass] : []),
    ]),
    clusterRoles: wrapped(guardrails.allowedClusterRoles),
    copiedSecrets: wrapped(params.copiedSecrets),
    maxDataBytes: String(guardrails.maxDataBytes),
  };
}

/** The names of one instance's admission objects. */
export function fenceNames(instance: string): { prefix: string; params: string } {
  const prefix = `pr-preview-${instance}`;
  return { prefix, params: `${prefix}-fences` };
}
