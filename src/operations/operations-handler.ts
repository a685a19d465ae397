import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PreviewMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

/**
 * `/healthz` (the process serves), `/readyz` (a cluster that answers, a helm
 * that runs, and the app not shutting down; the answer says which is
 * missing) and `/metrics`, beside Probot's own routes.
 */
export function operationsHandler(params: { readiness: Readiness; metrics: PreviewMetrics }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return true;
    }
    if (path === '/readyz') {
      const { ready, reason } = await params.readiness.check();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready' : `not ready: ${reason}`);
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
