import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { versionedKindOf } from '../plan/object-identity.ts';
import type { ClusterDiscovery, ClusterFacts } from '../ports.ts';
import { withRetry } from './retry.ts';

/** Aggregated discovery (Kubernetes 1.30+): every group, version and kind in one answer. */
const aggregatedDiscovery =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;q=0.9';

interface DiscoveredResource {
  resource: string;
  responseKind?: { kind?: string };
  scope?: 'Namespaced' | 'Cluster';
}

interface GroupDiscoveryList {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: { version: string; resources?: DiscoveredResource[] }[];
  }[];
}

/** What discovery found, in the form helm's `--api-versions` and the guardrails take. */
export function factsFrom(params: {
  kubeVersion: string;
  groups: GroupDiscoveryList[];
}): ClusterFacts {
  const apiVersions = new Set<string>();
  const scopes = new Map<string, boolean>();
  for (const list of params.groups) {
    for (const group of list.items ?? []) {
      const name = group.metadata?.name ?? '';
      for (const version of group.versions ?? []) {
        const groupVersion = name ? `${name}/${version.version}` : version.version;
        apiVersions.add(groupVersion);
        for (const resource of version.resources ?? []) {
          const kind = resource.responseKind?.kind;
          if (!kind) continue;
          const versionedKind = versionedKindOf({ apiVersion: groupVersion, kind });
          apiVersions.add(versionedKind);
          scopes.set(versionedKind, resource.scope !== 'Cluster');
        }
      }
    }
  }
  return {
    kubeVersion: params.kubeVersion,
    apiVersions: [...apiVersions].sort(),
    namespaced: (apiVersion, kind) => scopes.get(versionedKindOf({ apiVersion, kind })),
    fromCluster: true,
  };
}

/**
 * The API server's version and the APIs it serves, asked once and kept for a
 * while: every tenant of every deploy renders with them, and discovery is
 * three requests however many CRDs the cluster has.
 */
export class KubernetesDiscovery implements ClusterDiscovery {
  private readonly kubeConfig: KubeConfig;
  private readonly maxAgeMs: number;
  private readonly minRefreshMs: number;
  private cached: { facts: ClusterFacts; at: number } | undefined;
  private inFlight: Promise<ClusterFacts> | undefined;

  constructor(kubeConfig: KubeConfig, options: { maxAgeMs?: number; minRefreshMs?: number } = {}) {
    this.kubeConfig = kubeConfig;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.minRefreshMs = options.minRefreshMs ?? 1_000;
  }

  async facts(options: { refresh?: boolean } = {}): Promise<ClusterFacts> {
    const age = this.cached ? Date.now() - this.cached.at : Infinity;
    const wanted = options.refresh ? Math.min(this.minRefreshMs, this.maxAgeMs) : this.maxAgeMs;
    if (this.cached && age < wanted) return this.cached.facts;
    this.inFlight ??= this.discover().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async discover(): Promise<ClusterFacts> {
    const [version, core, groups] = await Promise.all([
      this.get<{ gitVersion?: string }>('/version', 'application/json'),
      this.get<GroupDiscoveryList>('/api', aggregatedDiscovery),
      this.get<GroupDiscoveryList>('/apis', aggregatedDiscovery),
    ]);
    for (const list of [core, groups]) {
      if (list.kind !== 'APIGroupDiscoveryList') {
        throw new Error(
          'the API server does not offer aggregated discovery (apidiscovery.k8s.io/v2); previews need Kubernetes 1.30 or newer',
        );
      }
    }
    if (!version.gitVersion) throw new Error('the API server did not say its version');
    const facts = factsFrom({ kubeVersion: version.gitVersion, groups: [core, groups] });
    this.cached = { facts, at: Date.now() };
    return facts;
  }

  private get<T>(path: string, accept: string): Promise<T> {
    return withRetry(() => getJson<T>(this.kubeConfig, path, accept));
  }
}

/** A GET with the kubeconfig's credentials, for the few paths the generated clients do not cover. */
async function getJson<T>(kubeConfig: KubeConfig, path: string, accept: string): Promise<T> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster');
  const url = new URL(path, server);
  const options: RequestOptions = { method: 'GET', headers: { Accept: accept }, timeout: 30_000 };
  await kubeConfig.applyToHTTPSOptions(options);
  const plain = url.protocol === 'http:';
  // The kubeconfig's agent speaks TLS; a plain-HTTP API server gets Node's default one.
  if (plain) delete options.agent;
  const send = plain ? httpRequest : httpsRequest;
  return new Promise<T>((resolve, reject) => {
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          reject(new ApiException(status, `GET ${path} answered ${status}`, body, {}));
          return;
        }
        try {
          resolve(JSON.parse(body) as T);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: ETIMEDOUT`)));
    req.on('error', reject);
    req.end();
  });
}
