import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIgnoredUserAgent } from '../plan/traffic.ts';
import type { Logger, ObservedPreview } from '../ports.ts';

export interface WakeEndpointParams {
  /** The previews as their namespaces record them; cached, so unknown hosts cost the API server nothing. */
  previews: () => Promise<ObservedPreview[]>;
  /** Queues the wake of a sleeping preview. */
  wake: (preview: ObservedPreview) => void;
  logger: Logger;
  /** A host's wake is queued at most this often; the page is served every time. */
  wakeIntervalMs?: number;
  /** User-Agents that are no visitors: served the page, they wake nothing. */
  ignoredUserAgents?: readonly string[];
}

/** The waking page asks the browser to load the preview again this often. */
const refreshSeconds = 5;

const wakingPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${refreshSeconds}">
<title>Waking up this preview</title></head>
<body style="font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 32rem">
<h1>Waking up this preview</h1>
<p>It slept because nobody used it for a while. Its workloads are starting; this page reloads
itself every ${refreshSeconds} seconds and shows the preview as soon as it answers.</p>
</body></html>
`;

/**
 * Requests for a sleeping preview's host, which its Ingress sends to the
 * app's wake port through the wake Service. The preview is found only by the
 * host the app recorded on its namespace; a known host gets a page that says
 * it is waking and reloads itself (503 with Retry-After, so no cache or
 * crawler keeps it), any other 404. Uptime checkers and crawlers get the
 * page and wake nothing. Any path and method: the visitor's own request, on
 * a port of its own, apart from webhooks and metrics.
 */
export function wakeEndpoint(params: WakeEndpointParams) {
  const interval = params.wakeIntervalMs ?? 10_000;
  const lastWake = new Map<string, number>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = hostOf(req);
    let previews: ObservedPreview[];
    try {
      previews = await params.previews();
    } catch (error) {
      params.logger.warn({ err: error, host }, 'wake: could not read the previews');
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(refreshSeconds) });
      res.end('The preview cannot be found right now; try again shortly.\n');
      return;
    }
    const preview = host ? previews.find((p) => p.host === host && !p.terminating) : undefined;
    if (!host || !preview) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('No preview has this host.\n');
      return;
    }
    const now = Date.now();
    const userAgent = req.headers['user-agent'];
    if (preview.sleepingSince && isIgnoredUserAgent(userAgent, params.ignoredUserAgents ?? [])) {
      params.logger.debug({ host, userAgent }, 'wake: not a visitor; the preview sleeps on');
    } else if (preview.sleepingSince && now - (lastWake.get(host) ?? 0) >= interval) {
      lastWake.set(host, now);
      forgetOlderThan(lastWake, now - interval);
      params.logger.info(
        { host, namespace: preview.namespace },
        'wake: a request for a sleeping preview',
      );
      params.wake(preview);
    }
    res.writeHead(503, {
      'content-type': 'text/html; charset=utf-8',
      'retry-after': String(refreshSeconds),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : wakingPage);
  };
}

/** The Host header without its port, as the Ingress rule names it. */
function hostOf(req: IncomingMessage): string | undefined {
  const header = req.headers.host?.trim().toLowerCase();
  if (!header) return undefined;
  return header.replace(/:\d+$/, '').replace(/\.$/, '');
}

function forgetOlderThan(times: Map<string, number>, cutoff: number): void {
  for (const [host, at] of times) if (at < cutoff) times.delete(host);
}
