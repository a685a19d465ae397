import type { KubernetesObject } from '@kubernetes/client-node';
import { UserFacingError } from '../../errors.ts';
import type { Guardrails } from '../../plan/guardrails.ts';
import { describe, identityOf, kindOf, refOf } from '../../plan/object-identity.ts';
import { ingressRefusals } from './ingress-rules.ts';
import { networkPolicyRefusals } from './network-rules.ts';
import { placementRefusals } from './pod-rules.ts';
import { rbacRefusals } from './rbac-rules.ts';
import { neverAllowedKinds, serviceRefusals } from './service-rules.ts';
import { claimRefusals, sizeRefusals, totalSizeRefusal } from './size-rules.ts';

/** The app's lists when its settings name none (`Guardrails` says what each one is). */
export const defaultGuardrails: Guardrails = {
  allowedKinds: [
    'ConfigMap',
    'Secret',
    'Service',
    'ServiceAccount',
    'PersistentVolumeClaim',
    'apps/Deployment',
    'apps/StatefulSet',
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
  maxPreviewBytes: 2 * 1024 * 1024,
  maxDataBytes: 128 * 1024,
  ingress: {
    classes: ['haproxy-v1'],
    annotations: [
      'pr-preview.dev/*',
      'haproxy.org/timeout-*',
      'haproxy.org/cors-*',
      'haproxy.org/ssl-redirect',
      'haproxy.org/ssl-redirect-code',
      'haproxy.org/load-balance',
      'haproxy.org/check',
      'haproxy.org/check-http',
      'haproxy.org/check-interval',
      'haproxy.org/rate-limit-*',
    ],
    controllerPrefixes: [
      'haproxy.org',
      'haproxy.com',
      'haproxy-ingress.github.io',
      'ingress.kubernetes.io',
      'nginx.ingress.kubernetes.io',
    ],
  },
  placement: {
    tolerations: [],
    nodeSelectorKeys: ['kubernetes.io/os', 'kubernetes.io/arch'],
    priorityClasses: [],
    runtimeClasses: [],
  },
  storageClasses: [],
};

/**
 * Where each object goes and whether it may exist at all: namespaced, in the
 * preview's own namespace, of an allowed kind, not named like the app's own.
 * Pure: scope comes from the API server's discovery.
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
  const identity = (object: KubernetesObject) => identityOf(refOf(object));
  const reserved = new Set((params.reserved ?? []).map(identity));
  for (const object of params.objects) {
    const name = describe(object);
    const declared = object.metadata?.namespace;
    const namespaced = params.namespaced(object);
    if (reserved.has(identity(object))) {
      refusals.push(`${name} has the name of an object the app puts into every preview`);
    } else if (namespaced === undefined) {
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
    } else if (neverAllowedKinds.includes(kindOf(object))) {
      refusals.push(`${name}: only the cluster's controllers write ${object.kind} in a preview`);
    } else if (!params.guardrails.allowedKinds.includes(kindOf(object))) {
      refusals.push(`${name}: kind ${kindOf(object)} is not on the app's list of allowed kinds`);
    }
  }
  return refusals;
}

/**
 * What the objects say, as they will be applied (put into the namespace,
 * pointed at the preview's host and class): the same rules as the admission
 * policies, so that a refusal is told on the pull request, object by object,
 * before anything is applied.
 */
export function refusedContent(params: {
  objects: KubernetesObject[];
  namespace: string;
  host: string;
  guardrails: Guardrails;
}): string[] {
  const { guardrails } = params;
  const total = totalSizeRefusal(params.objects, guardrails.maxPreviewBytes);
  return [
    ...(total ? [total] : []),
    ...params.objects.flatMap((object) => [
      ...sizeRefusals(object, guardrails.maxDataBytes),
      ...placementRefusals(object, guardrails.placement),
      ...serviceRefusals(object, guardrails.ingress),
      ...ingressRefusals(object, guardrails.ingress, params.host),
      ...networkPolicyRefusals(object),
      ...rbacRefusals(object, {
        namespace: params.namespace,
        allowedClusterRoles: guardrails.allowedClusterRoles,
      }),
      ...claimRefusals(object, guardrails.storageClasses),
    ]),
  ];
}

export function refusalError(refusals: string[]): UserFacingError {
  return new UserFacingError(
    `the chart renders objects a preview may not create; nothing was applied:\n${refusals.map((r) => `- ${r}`).join('\n')}`,
  );
}
