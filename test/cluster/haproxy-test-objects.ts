import type {
  V1EndpointSlice,
  V1HTTPIngressPath,
  V1Ingress,
  V1Service,
} from '@kubernetes/client-node';
import {
  exactMap,
  externalNameTarget,
  notFoundBackend,
  prefixMap,
  type ClusterRoutes,
  type HaproxyFiles,
  type HaproxyOptions,
} from './haproxy-config.ts';

/** Objects for the tests of haproxy-config.ts, and HAProxy's lookup of its maps. */

export const options: HaproxyOptions = {
  ingressClass: 'haproxy-v1',
  bind: '127.0.0.1:8080',
  metricsBind: '127.0.0.1:8081',
  mapDir: '/bed/ingress/gen-1',
  podSource: '169.254.1.1',
  resolveExternalName: (name, port) => externalNameTarget(name, port, {}),
};

export interface IngressSpec {
  name?: string;
  namespace?: string;
  className?: string | null;
  annotationClass?: string;
  created?: string;
  rules: { host?: string; paths: [path: string, type: string, service: string, port?: string][] }[];
}

export function ingress(spec: IngressSpec): V1Ingress {
  return {
    metadata: {
      name: spec.name ?? 'web',
      namespace: spec.namespace ?? 'shop',
      creationTimestamp: new Date(spec.created ?? '2030-01-01T00:00:00Z'),
      ...(spec.annotationClass
        ? { annotations: { 'kubernetes.io/ingress.class': spec.annotationClass } }
        : {}),
    },
    spec: {
      ...(spec.className === null ? {} : { ingressClassName: spec.className ?? 'haproxy-v1' }),
      rules: spec.rules.map((rule) => ({
        ...(rule.host ? { host: rule.host } : {}),
        http: {
          paths: rule.paths.map(([path, pathType, service, port]): V1HTTPIngressPath => ({
            path,
            pathType,
            backend: { service: { name: service, port: { name: port ?? 'http' } } },
          })),
        },
      })),
    },
  };
}

export function service(name: string, namespace = 'shop', ports = [{ name: 'http', port: 80 }]) {
  return { metadata: { name, namespace }, spec: { ports } } satisfies V1Service;
}

export function slice(
  serviceName: string,
  endpoints: [ip: string, ready: boolean][],
  ports = [{ name: 'http', port: 8080 }],
  namespace = 'shop',
): V1EndpointSlice {
  return {
    metadata: {
      name: `${serviceName}-abc`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    ports,
    endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], conditions: { ready } })),
  };
}

/** Every Service the routes name, each with one ready pod. */
export function clusterOf(...ingresses: V1Ingress[]): ClusterRoutes {
  const names = new Set(
    ingresses.flatMap((i) =>
      (i.spec?.rules ?? []).flatMap((r) =>
        (r.http?.paths ?? []).map((p) => `${i.metadata?.namespace}/${p.backend.service?.name}`),
      ),
    ),
  );
  const services = [...names].map((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return service(name, namespace);
  });
  const endpointSlices = services.map((s, i) =>
    slice(s.metadata.name, [[`10.0.0.${i + 1}`, true]], undefined, s.metadata.namespace),
  );
  return { ingresses, services, endpointSlices };
}

/**
 * The backend HAProxy picks, as the frontend's rules read the maps: the
 * host's exact paths, then its prefixes (first match in file order), then
 * the same for rules without a host, else the 404 backend.
 */
export function routed(files: HaproxyFiles, host: string, path: string): string {
  const entries = (file: string) =>
    (files.maps[file] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]);
  for (const key of [host.split(':')[0]?.toLowerCase() + path, path]) {
    const exact = entries(exactMap).find(([k]) => k === key);
    if (exact) return exact[1];
    const prefix = entries(prefixMap).find(([k]) => key.startsWith(k));
    if (prefix) return prefix[1];
  }
  return notFoundBackend;
}
