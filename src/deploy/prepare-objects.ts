import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../plan/preview-config.ts';
import { UserFacingError } from '../errors.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { IngressBackend } from '../plan/ingress-backend.ts';
import { describe, isKind } from '../plan/object-identity.ts';
import { legacyClassAnnotation } from './guardrails/ingress-rules.ts';
import { withinSizeBound } from './guardrails/size-rules.ts';
import { KubernetesYamlError, parseKubernetesYaml } from './kubernetes-yaml.ts';

type IngressConfig = PreviewConfig['ingress'];

const ingressApiVersion = 'networking.k8s.io/v1';

const aliasBomb =
  'the chart rendered YAML that is too large once its aliases are expanded; previews refuse alias bombs';

/**
 * Parses helm's output into objects as Kubernetes reads it (YAML 1.1, as
 * sigs.k8s.io/yaml does), flattening `List` documents.
 */
export function parseManifests(rendered: string): KubernetesObject[] {
  let documents: unknown[];
  try {
    documents = parseKubernetesYaml(rendered);
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof KubernetesYamlError && /excessive alias/i.test(message)) {
      throw new UserFacingError(aliasBomb);
    }
    throw new UserFacingError(`the chart rendered YAML that cannot be parsed: ${message}`);
  }
  const objects: KubernetesObject[] = [];
  for (const document of documents) {
    if (document === null || document === undefined) continue;
    if (typeof document !== 'object' || Array.isArray(document)) {
      throw new UserFacingError('the chart rendered a YAML document that is not an object');
    }
    const object = document as KubernetesObject & { items?: unknown[] };
    if (object.kind === 'List' && Array.isArray(object.items)) {
      objects.push(...(object.items as KubernetesObject[]));
    } else {
      objects.push(object);
    }
  }
  if (!objects.every((object) => withinSizeBound(object))) throw new UserFacingError(aliasBomb);
  for (const [index, object] of objects.entries()) {
    if (!object.apiVersion || !object.kind || !object.metadata?.name) {
      throw new UserFacingError(
        `rendered object #${index + 1} lacks apiVersion, kind or metadata.name`,
      );
    }
  }
  return objects;
}

export interface PreparedObjects {
  objects: KubernetesObject[];
  /** What was changed to fit a preview, for the comment. */
  notes: string[];
}

/**
 * Puts every object into the preview namespace with the preview's labels and
 * annotations, points the chart's Ingresses at the preview host and the shared
 * controller's class, makes exposed Services internal, and adds an Ingress
 * to `backend` when the chart has none.
 */
export function prepareObjects(params: {
  objects: KubernetesObject[];
  target: PreviewTarget;
  ingress: IngressConfig;
  /** Where the Ingress the app adds, when the chart has none, routes to; none: no Ingress added. */
  backend?: IngressBackend;
}): PreparedObjects {
  const { target } = params;
  const notes: string[] = [];
  const prepared = params.objects.map((object) => {
    const copy = structuredClone(object);
    copy.metadata = {
      ...copy.metadata,
      namespace: target.namespace,
      labels: { ...copy.metadata?.labels, ...target.labels },
      annotations: { ...copy.metadata?.annotations, ...target.annotations },
    };
    if (isIngress(copy)) {
      pointIngressAtHost(copy, target.host);
      putIngressOnClass(copy, params.ingress);
    }
    const exposed = makeServiceInternal(copy);
    if (exposed) notes.push(`${describe(copy)} made ClusterIP (was ${exposed})`);
    return copy;
  });
  if (params.backend && !prepared.some(isIngress)) {
    prepared.push(previewIngress(target, params.ingress, params.backend));
  }
  return { objects: prepared, notes };
}

/** Fields that only a NodePort or LoadBalancer Service may carry. */
const exposingServiceFields = [
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'loadBalancerClass',
  'allocateLoadBalancerNodePorts',
];

/**
 * Previews are reached through their Ingress only: a NodePort or
 * LoadBalancer Service becomes a ClusterIP Service, as production charts
 * often default to one. Returns the type it had, or undefined when unchanged.
 */
function makeServiceInternal(object: KubernetesObject): string | undefined {
  if (object.kind !== 'Service' || object.apiVersion !== 'v1') return undefined;
  const spec = (object as { spec?: Record<string, unknown> }).spec;
  const type = spec?.type;
  if (!spec || (type !== 'NodePort' && type !== 'LoadBalancer')) return undefined;
  spec.type = 'ClusterIP';
  for (const field of exposingServiceFields) delete spec[field];
  for (const port of (spec.ports as Record<string, unknown>[] | undefined) ?? []) {
    delete port.nodePort;
  }
  return type;
}

function isIngress(object: KubernetesObject): boolean {
  return isKind(object, 'networking.k8s.io/Ingress');
}

interface IngressSpec {
  rules?: { host?: string }[];
  tls?: { hosts?: string[] }[];
}

function pointIngressAtHost(object: KubernetesObject, host: string): void {
  const spec = ((object as { spec?: IngressSpec }).spec ??= {});
  for (const rule of spec.rules ?? []) rule.host = host;
  for (const tls of spec.tls ?? []) tls.hosts = [host];
}

/** A chart's Ingress may not pick another controller, such as production's. */
function putIngressOnClass(object: KubernetesObject, ingress: IngressConfig): void {
  const spec = ((object as { spec?: { ingressClassName?: string } }).spec ??= {});
  const annotations = (object.metadata ??= {}).annotations ?? {};
  delete annotations[legacyClassAnnotation];
  delete spec.ingressClassName;
  if (ingress.classAnnotation) annotations[legacyClassAnnotation] = ingress.className;
  else spec.ingressClassName = ingress.className;
  object.metadata.annotations = annotations;
}

function previewIngress(
  target: PreviewTarget,
  ingress: IngressConfig,
  backend: IngressBackend,
): KubernetesObject {
  const annotations = { ...ingress.annotations, ...target.annotations };
  if (ingress.classAnnotation) annotations[legacyClassAnnotation] = ingress.className;
  else delete annotations[legacyClassAnnotation];
  const spec: Record<string, unknown> = {
    rules: [
      {
        host: target.host,
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: backend.service, port: backend.port } },
            },
          ],
        },
      },
    ],
  };
  if (!ingress.classAnnotation) spec.ingressClassName = ingress.className;
  if (ingress.tlsSecret) spec.tls = [{ hosts: [target.host], secretName: ingress.tlsSecret }];
  return {
    apiVersion: ingressApiVersion,
    kind: 'Ingress',
    metadata: {
      name: `${target.releaseName}-preview`,
      namespace: target.namespace,
      labels: { ...target.labels },
      annotations,
    },
    spec,
  } as KubernetesObject;
}
