import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Overview } from '../plan/previews-overview.ts';
import type { Logger } from '../ports.ts';
import { renderOverviewPage } from './overview-page.ts';

export interface OverviewEndpointParams {
  /** The overview as of now (observed and planned by the caller, cached briefly). */
  overview: () => Promise<Overview>;
  logger: Logger;
}

/**
 * The previews overview, read-only: `/` is the page, `/previews.json` the
 * same rows as JSON. It is served on an internal port of its own
 * (PREVIEW_OVERVIEW_PORT, off by default) with no token: whoever reaches the
 * port sees every preview of this installation. So it listens on loopback
 * unless PREVIEW_OVERVIEW_HOST opens it (kubectl port-forward reaches the
 * pod's loopback), is on no Service or Ingress, and when the chart opens it
 * to the peers the operator names, its NetworkPolicy admits only those.
 */
export function overviewEndpoint(params: OverviewEndpointParams) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const page = path === '/' || path === '/index.html';
    const json = path === '/previews.json';
    if (!page && !json) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('Not found: try / or /previews.json\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Read-only.\n');
      return;
    }
    let overview: Overview;
    try {
      overview = await params.overview();
    } catch (error) {
      params.logger.warn({ err: error }, 'overview: could not read the previews');
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
      res.end('The previews cannot be read right now; try again shortly.\n');
      return;
    }
    const body = json ? `${JSON.stringify(overview, null, 2)}\n` : renderOverviewPage(overview);
    res.writeHead(200, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page has no script and loads nothing; a reason that slipped past escaping still could not run.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
