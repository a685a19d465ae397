import type { KubernetesObject } from '@kubernetes/client-node';
import type { IngressFence } from '../../plan/guardrails.ts';
import { describe, kindOf } from '../../plan/object-identity.ts';

export const legacyClassAnnotation = 'kubernetes.io/ingress.class';

/** Whether an annotation key is on the list (exact, or by a prefix ending in `*`). */
export function annotationAllowed(key: string, allowed: string[]): boolean {
  return allowed.some((pattern) =>
    pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern,
  );
}

interface IngressBody {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: unknown;
    rules?: { host?: string; http?: { paths?: { backend?: { service?: unknown } }[] } }[];
    tls?: { hosts?: string[] }[];
  };
}

/**
 * An Ingress answers for the preview's host only, on a class the platform
 * gives previews, with annotations from the platform's list (never a
 * denylist: an unknown annotation may configure the controller); no default
 * backend, which would catch every host no other Ingress claims, and no
 * resource backends.
 */
export function ingressRefusals(
  object: KubernetesObject,
  fence: IngressFence,
  host: string,
): string[] {
  if (kindOf(object) !== 'networking.k8s.io/Ingress') return [];
  const name = describe(object);
  const { spec = {} } = object as IngressBody;
  const refusals: string[] = [];
  const hosts = [
    ...(spec.rules ?? []).map((rule) => rule.host ?? ''),
    ...(spec.tls ?? []).flatMap((tls) => tls.hosts ?? []),
  ];
  const foreign = [...new Set(hosts.filter((h) => h !== host))];
  if (foreign.length > 0) {
    refusals.push(
      `${name} answers for ${foreign.map((h) => (h ? `\`${h}\`` : 'every host')).join(', ')}; a preview answers for its own host \`${host}\` only`,
    );
  }
  if (spec.defaultBackend) {
    refusals.push(
      `${name} sets a default backend, which would catch every host no other Ingress claims`,
    );
  }
  const resourceBackends = (spec.rules ?? []).some((rule) =>
    (rule.http?.paths ?? []).some((path) => !path.backend?.service),
  );
  if (resourceBackends) {
    refusals.push(`${name} routes to a resource backend; a preview routes to its Services only`);
  }
  const annotations = object.metadata?.annotations ?? {};
  const className = spec.ingressClassName ?? annotations[legacyClassAnnotation] ?? '';
  if (!fence.classes.includes(className)) {
    refusals.push(
      `${name} is on class \`${className || '(the cluster default)'}\`; previews may use ${fence.classes.map((c) => `\`${c}\``).join(', ') || 'none'} (PREVIEW_INGRESS_CLASSES)`,
    );
  }
  const unlisted = Object.keys(annotations).filter(
    (key) => key !== legacyClassAnnotation && !annotationAllowed(key, fence.annotations),
  );
  if (unlisted.length > 0) {
    refusals.push(
      `${name} carries ${unlisted.map((k) => `\`${k}\``).join(', ')}, not on the platform's list of Ingress annotations (PREVIEW_INGRESS_ANNOTATIONS)`,
    );
  }
  return refusals;
}

/** A Service's annotations that would configure the shared controller and are not on the list. */
export function controllerAnnotationsOf(object: KubernetesObject, fence: IngressFence): string[] {
  return Object.keys(object.metadata?.annotations ?? {}).filter((key) => {
    const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
    return fence.controllerPrefixes.includes(prefix) && !annotationAllowed(key, fence.annotations);
  });
}
