import { KubeConfig } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of the API server that counts every request the
 * app makes, by purpose. The app gets a kubeconfig pointing at the proxy; the
 * proxy adds the real credentials.
 */
export class KubeCallCounter {
  readonly counts = new Map<string, number>();
  private server: Server | undefined;

  async start(kubeconfigPath: string, proxyKubeconfigPath: string): Promise<void> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const upstream = new URL(kc.getCurrentCluster()?.server ?? '');
    const tls: RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    this.server = createServer((req, res) => {
      const key = purposeOf(req.method ?? 'GET', req.url ?? '/');
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      const forward = request(
        {
          ...tls,
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          // As the API server does: a watch's headers go out before its first event.
          res.flushHeaders();
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const proxied = new KubeConfig();
    proxied.loadFromOptions({
      clusters: [{ name: 'counted', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'counted' }],
      contexts: [{ name: 'counted', cluster: 'counted', user: 'counted' }],
      currentContext: 'counted',
    });
    await writeFile(proxyKubeconfigPath, proxied.exportConfig());
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** `verb resource`, e.g. `apply deployments`, `list pods`, `discovery`. */
export function purposeOf(method: string, url: string): string {
  const [path = '/', query = ''] = url.split('?');
  if (path === '/version') return 'version';
  const parts = path.split('/').filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest.length === 0) return 'discovery';
  let resource: string;
  let named: boolean;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    resource = rest[2] as string;
    named = rest.length >= 4;
  } else {
    resource = rest[0] as string;
    named = rest.length >= 2;
  }
  const dryRun = query.includes('dryRun=All');
  const verb =
    method === 'PATCH'
      ? dryRun
        ? 'dry-run apply'
        : 'apply'
      : method === 'GET'
        ? named
          ? 'get'
          : 'list'
        : method.toLowerCase();
  return `${verb} ${resource}`;
}
