import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressServiceBackend,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';

/**
 * HAProxy's configuration from the cluster's Ingresses, Services and
 * EndpointSlices, laid out as the haproxytech ingress controller documents
 * its own: one HTTP frontend that looks the request's host and path up in
 * map files, a backend per Service port named `<namespace>_<service>_<port>`
 * with `SRV_<n>` server slots, one per ready endpoint and some spare, and a
 * 404 for whatever no Ingress claims. A stand-in for tests, not a controller:
 * no annotations, TLS, default backends, wildcard hosts or resource backends.
 */
export interface ClusterRoutes {
  ingresses: readonly V1Ingress[];
  services: readonly V1Service[];
  endpointSlices: readonly V1EndpointSlice[];
}

export interface HaproxyOptions {
  /** Ingresses of this class, by `spec.ingressClassName` or the legacy annotation, and no others. */
  ingressClass: string;
  /** Address of the HTTP frontend, e.g. `127.0.0.1:8080`. */
  bind: string;
  /** Address of the Prometheus exporter's frontend (`/metrics`). */
  metricsBind: string;
  /** Folder the map files will be written to: the configuration names them by path. */
  mapDir: string;
  /**
   * Source address of connections to pods, which the host routes into the pod network by it;
   * without one, no pod is reached.
   */
  podSource?: string;
  /** Where an ExternalName Service's name and port lead; undefined when they lead nowhere here. */
  resolveExternalName: (name: string, port: number) => Endpoint | undefined;
}

export interface Endpoint {
  address: string;
  port: number;
}

export interface HaproxyFiles {
  config: string;
  /** File name (in `mapDir`) to content. */
  maps: Record<string, string>;
}

export const exactMap = 'path-exact.map';
export const prefixMap = 'path-prefix.map';
export const notFoundBackend = 'bed_default_404';
const legacyClassAnnotation = 'kubernetes.io/ingress.class';
/** Server slots of a pod backend come in groups of this many (the haproxytech controller's are 42). */
export const serverSlots = 4;
/** Where a spare slot points until a pod takes it. */
const spareAddress = '127.0.0.1:1';

interface Backend {
  name: string;
  servers: Endpoint[];
  /** Servers that are pods, reached through the pod network (not an ExternalName's target). */
  pods: boolean;
}

/** One claim of a map key; of two claims, the lower rank wins, then the older Ingress. */
interface Claim {
  map: typeof exactMap | typeof prefixMap;
  key: string;
  backend: string;
  /** 0: an Exact path; 1: the whole-path match of a Prefix path, which an Exact path beats. */
  rank: number;
}

export function renderHaproxy(cluster: ClusterRoutes, options: HaproxyOptions): HaproxyFiles {
  const backends = new Map<string, Backend>();
  const claims: Claim[] = [];
  const skipped: string[] = [];
  for (const ingress of ofClass(cluster.ingresses, options.ingressClass)) {
    const namespace = ingress.metadata?.namespace ?? '';
    const where = `${namespace}/${ingress.metadata?.name}`;
    for (const rule of ingress.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      for (const path of rule.http?.paths ?? []) {
        const value = path.path ?? '/';
        const route = `${where} ${host}${value}`;
        const backend = path.backend.service
          ? backendFor(cluster, namespace, path.backend.service, options)
          : 'not a Service backend';
        const refusal = routeRefusal(host, value, backend);
        if (typeof backend === 'string' || refusal) {
          skipped.push(`${route}: ${refusal}`);
          continue;
        }
        backends.set(backend.name, backend);
        const claim = (map: Claim['map'], key: string, rank: number) =>
          claims.push({ map, key, backend: backend.name, rank });
        if (path.pathType === 'Exact') {
          claim(exactMap, host + value, 0);
          continue;
        }
        // Prefix (and ImplementationSpecific, read as Prefix) matches whole path elements:
        // /foo answers /foo and /foo/bar, never /foobar; a trailing slash changes nothing.
        const trimmed = value.replace(/\/+$/, '');
        if (trimmed) claim(exactMap, host + trimmed, 1);
        claim(prefixMap, `${host}${trimmed}/`, 1);
      }
    }
  }
  const maps: Record<string, Map<string, Claim>> = {
    [exactMap]: new Map(),
    [prefixMap]: new Map(),
  };
  // Claims come oldest Ingress first, so a stable sort by rank keeps the older of equals.
  for (const claim of [...claims].sort((a, b) => a.rank - b.rank)) {
    const map = maps[claim.map];
    if (map && !map.has(claim.key)) map.set(claim.key, claim);
  }
  return {
    config: configText([...backends.values()], skipped, options),
    maps: Object.fromEntries(Object.entries(maps).map(([file, map]) => [file, mapText(map)])),
  };
}

/** Why a path cannot be routed, or undefined. */
function routeRefusal(host: string, path: string, backend: Backend | string): string | undefined {
  if (host.startsWith('*')) return 'wildcard hosts are not supported';
  if (!/^\/[^\s#]*$/.test(path)) return "a path HAProxy's map files cannot hold";
  return typeof backend === 'string' ? backend : undefined;
}

function ofClass(ingresses: readonly V1Ingress[], ingressClass: string): V1Ingress[] {
  return ingresses
    .filter(
      (ingress) =>
        ingress.spec?.ingressClassName === ingressClass ||
        ingress.metadata?.annotations?.[legacyClassAnnotation] === ingressClass,
    )
    .sort(
      (a, b) =>
        created(a) - created(b) ||
        `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
          `${b.metadata?.namespace}/${b.metadata?.name}`,
        ),
    );
}

function created(ingress: V1Ingress): number {
  const stamp = ingress.metadata?.creationTimestamp;
  return stamp ? new Date(stamp).getTime() : 0;
}

/** The backend of an Ingress path, or why there is none. */
function backendFor(
  cluster: ClusterRoutes,
  namespace: string,
  ref: V1IngressServiceBackend,
  options: HaproxyOptions,
): Backend | string {
  const service = cluster.services.find(
    (s) => s.metadata?.namespace === namespace && s.metadata?.name === ref.name,
  );
  if (!service) return `no Service ${ref.name}`;
  const port = (service.spec?.ports ?? []).find((p) =>
    ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number,
  );
  if (!port) return `Service ${ref.name} has no port ${ref.port?.name ?? ref.port?.number}`;
  const name = `${namespace}_${ref.name}_${port.name || port.port}`;
  if (service.spec?.type === 'ExternalName') {
    const target = options.resolveExternalName(service.spec.externalName ?? '', port.port);
    return { name, servers: target ? [target] : [], pods: false };
  }
  return { name, servers: readyEndpoints(cluster, namespace, ref.name, port), pods: true };
}

/** Ready IPv4 endpoints of the Service's port, as its EndpointSlices list them. */
function readyEndpoints(
  cluster: ClusterRoutes,
  namespace: string,
  service: string,
  port: V1ServicePort,
): Endpoint[] {
  const found = new Map<string, Endpoint>();
  for (const slice of cluster.endpointSlices) {
    if (slice.metadata?.namespace !== namespace) continue;
    if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== service) continue;
    if (slice.addressType !== 'IPv4') continue;
    // A slice names its ports as the Service does; the number is the pod's.
    const number = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? ''))?.port;
    if (number === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0];
      if (!address || endpoint.conditions?.ready === false) continue;
      found.set(`${address}:${number}`, { address, port: number });
    }
  }
  return [...found.values()].sort((a, b) =>
    `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`, 'en', { numeric: true }),
  );
}

function mapText(map: Map<string, Claim>): string {
  // Longest keys first: a prefix lookup then finds the most specific path whatever HAProxy's order.
  return [...map.values()]
    .sort((a, b) => b.key.length - a.key.length || a.key.localeCompare(b.key))
    .map(({ key, backend }) => `${key} ${backend}\n`)
    .join('');
}

function configText(backends: Backend[], skipped: string[], options: HaproxyOptions): string {
  const map = (file: string) => `${options.mapDir}/${file}`;
  const lookups = ['txn.host_path', 'txn.path'].flatMap((key) => [
    `  use_backend %[var(${key}),map(${map(exactMap)})] if { var(${key}),map(${map(exactMap)}) -m found }`,
    `  use_backend %[var(${key}),map_beg(${map(prefixMap)})] if { var(${key}),map_beg(${map(prefixMap)}) -m found }`,
  ]);
  const lines = [
    "# Written by the test bed's ingress stand-in (test/cluster/ingress-stand-in.ts).",
    ...skipped.sort().map((reason) => `# skipped ${reason}`),
    'global',
    '  log stderr format raw local0 notice',
    // Old workers keep a client's kept-alive connection only so long after a reload.
    '  hard-stop-after 5s',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 2s',
    // As the haproxytech controller's defaults: a request to an endpoint that is already gone
    // (its pod deleted, the configuration not reloaded yet) goes to another server. The bed's
    // gone pods reset the connection where a real one would not answer.
    '  option redispatch',
    '  retry-on conn-failure empty-response',
    '',
    'frontend http',
    `  bind ${options.bind}`,
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    '  http-request set-var(txn.path) path',
    '  http-request set-var(txn.host_path) var(txn.host),concat(,txn.path,)',
    // Rules with a host first, then rules without one, which apply to every host.
    ...lookups,
    `  default_backend ${notFoundBackend}`,
    '',
    'frontend stats',
    `  bind ${options.metricsBind}`,
    '  http-request use-service prometheus-exporter if { path /metrics }',
    '  http-request return status 404',
    '',
    `backend ${notFoundBackend}`,
    '  http-request return status 404 content-type text/plain string "no Ingress routes this host and path"',
  ];
  for (const backend of [...backends].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push('', `backend ${backend.name}`, '  balance roundrobin');
    // Without a pod network, a pod IP would be sent out by the machine's default route:
    // such a backend keeps no server (503) rather than let a request leave the machine.
    if (backend.pods && !options.podSource) {
      lines.push('  # no pod network in this bed: pods cannot be reached');
      continue;
    }
    if (!backend.pods) {
      backend.servers.forEach((server, i) => {
        lines.push(`  server SRV_${i + 1} ${server.address}:${server.port}`);
      });
      continue;
    }
    // Pods get server slots, the spare ones disabled: a pod that comes or goes changes a
    // slot through the runtime API (haproxy-runtime.ts) rather than the configuration.
    const slots = Math.max(1, Math.ceil(backend.servers.length / serverSlots)) * serverSlots;
    for (let i = 0; i < slots; i++) {
      const server = backend.servers[i];
      lines.push(
        server
          ? `  server SRV_${i + 1} ${server.address}:${server.port} source ${options.podSource}`
          : `  server SRV_${i + 1} ${spareAddress} source ${options.podSource} disabled`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Where the bed sends an ExternalName Service: the test's own overrides
 * (`name:port` to `address:port`) first, then names of the cluster's DNS
 * (`*.svc.cluster.local`) and localhost to loopback on the Service's port, a
 * loopback address as it is. Anything else leads nowhere: other addresses
 * would leave the machine, other names need the outside world's DNS, which
 * the bed does not ask.
 */
export function externalNameTarget(
  name: string,
  port: number,
  overrides: Record<string, string>,
): Endpoint | undefined {
  const override = overrides[`${name}:${port}`] ?? overrides[name];
  if (override) {
    const [address, overridePort] = override.split(':');
    return address ? { address, port: overridePort ? Number(overridePort) : port } : undefined;
  }
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower === 'localhost' || lower.endsWith('.svc.cluster.local')) {
    return { address: '127.0.0.1', port };
  }
  if (/^127(\.\d{1,3}){3}$/.test(lower)) return { address: lower, port };
  return undefined;
}
