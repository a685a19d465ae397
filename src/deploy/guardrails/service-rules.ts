import type { KubernetesObject } from '@kubernetes/client-node';
import type { IngressFence } from '../../plan/guardrails.ts';
import { describe, kindOf } from '../../plan/object-identity.ts';
import { controllerAnnotationsOf } from './ingress-rules.ts';

/**
 * A preview's Services stay inside the cluster and out of the shared
 * controller's configuration. NodePort and LoadBalancer Services were made
 * ClusterIP when prepared; what is left of another type is refused.
 */
export function serviceRefusals(object: KubernetesObject, fence: IngressFence): string[] {
  if (kindOf(object) !== 'Service') return [];
  const name = describe(object);
  const spec = (object as { spec?: { type?: string; externalIPs?: string[] } }).spec ?? {};
  const refusals: string[] = [];
  if (spec.type === 'ExternalName') {
    refusals.push(
      `${name} is an ExternalName Service: the shared ingress controller would proxy the preview's host to whatever it names`,
    );
  } else if (spec.type && spec.type !== 'ClusterIP') {
    refusals.push(`${name} is of type ${spec.type}; a preview Service is ClusterIP`);
  }
  if ((spec.externalIPs ?? []).length > 0) {
    refusals.push(
      `${name} sets externalIPs, which would capture traffic meant for those addresses`,
    );
  }
  const configuring = controllerAnnotationsOf(object, fence);
  if (configuring.length > 0) {
    refusals.push(
      `${name} carries ${configuring.map((k) => `\`${k}\``).join(', ')}, which would configure the shared ingress controller and are not on the platform's list (PREVIEW_INGRESS_ANNOTATIONS)`,
    );
  }
  return refusals;
}

/** Kinds the cluster's controllers write and no preview ever may, whatever PREVIEW_ALLOWED_KINDS says. */
export const neverAllowedKinds = ['Endpoints', 'discovery.k8s.io/EndpointSlice'];
