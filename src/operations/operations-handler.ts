import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../ports.ts';
import type { PreviewMetrics } from './metrics.ts';

const readinessCacheMs = 2_000;

/**
 * `/healthz` (the process serves), `/readyz` (the API server answers, and the
 * app is not shutting down) and `/metrics`, beside Probot's own routes.
 */
export function operationsHandler(params: {
  cluster: Cluster;
  metrics: PreviewMetrics;
  shuttingDown: () => boolean;
}) {
  let checkedAt = 0;
  let reachable = false;
  const ready = async () => {
    if (params.shuttingDown()) return false;
    if (Date.now() - checkedAt > readinessCacheMs) {
      reachable = await params.cluster.reachable();
      checkedAt = Date.now();
    }
    return reachable;
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return true;
    }
    if (path === '/readyz') {
      const ok = await ready();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(
          ok
            ? 'ready'
            : 'not ready: the Kubernetes API server does not answer, or the app is stopping',
        );
      return true;
    }
    if (path === '/metrics') {
      const body = await params.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': params.metrics.registry.contentType }).end(body);
      return true;
    }
    return false;
  };
}
