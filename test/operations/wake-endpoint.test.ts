import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnOwnPort } from '../../src/operations/own-port-server.ts';
import { wakeEndpoint } from '../../src/operations/wake-endpoint.ts';
import type { ObservedPreview } from '../../src/ports.ts';
import { defaultIgnoredUserAgents } from '../../src/plan/traffic.ts';
import { silentLogger } from '../support/fake-ports.ts';
import { observedPreview } from '../support/observed-preview.ts';

const preview = (host: string, sleeping: boolean): ObservedPreview =>
  observedPreview({
    namespace: host.split('.')[0] as string,
    host,
    ...(sleeping ? { sleepingSince: '2026-11-30T00:00:00Z' } : {}),
  });

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(previews: ObservedPreview[]) {
  const woken: string[] = [];
  server = await listenOnOwnPort({
    name: 'wake endpoint',
    port: 0,
    host: '127.0.0.1',
    handle: wakeEndpoint({
      previews: async () => previews,
      wake: (p) => void woken.push(p.namespace),
      logger: silentLogger,
      wakeIntervalMs: 60_000,
      ignoredUserAgents: defaultIgnoredUserAgents,
    }),
    logger: silentLogger,
  });
  const { port } = server.address() as AddressInfo;
  // fetch sends its own Host header; a visitor's comes through the ingress controller.
  const request = (host: string, path = '/', userAgent?: string) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const headers = { host, ...(userAgent ? { 'user-agent': userAgent } : {}) };
        const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      },
    );
  return { request, woken };
}

describe('wakeEndpoint', () => {
  it('answers a sleeping preview with a self-refreshing page and queues one wake per interval', async () => {
    const { request, woken } = await serve([preview('foo-1.preview.bar.com', true)]);
    const first = await request('FOO-1.preview.bar.com:443', '/products/7?x=1');
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toContain('<meta http-equiv="refresh" content="5">');
    expect(first.body).toContain('Waking up this preview');
    await request('foo-1.preview.bar.com');
    expect(woken).toEqual(['foo-1']);
  });

  it('serves the page to uptime checkers and crawlers without waking the preview', async () => {
    const { request, woken } = await serve([preview('foo-3.preview.bar.com', true)]);
    for (const agent of [
      'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'kube-probe/1.31',
    ]) {
      expect((await request('foo-3.preview.bar.com', '/', agent)).status).toBe(503);
    }
    expect(woken).toEqual([]);
    const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';
    await request('foo-3.preview.bar.com', '/', browser);
    expect(woken).toEqual(['foo-3']);
  });

  it('serves the page without a wake for an awake preview that the Ingress has yet to switch back', async () => {
    const { request, woken } = await serve([preview('foo-2.preview.bar.com', false)]);
    expect((await request('foo-2.preview.bar.com')).status).toBe(503);
    expect(woken).toEqual([]);
  });

  it('answers 404 for a host under the preview domain that no preview recorded', async () => {
    const { request, woken } = await serve([preview('foo-1.preview.bar.com', true)]);
    const answer = await request('foo-9.preview.bar.com');
    expect(answer).toMatchObject({ status: 404, body: 'No preview has this host.\n' });
    expect(woken).toEqual([]);
  });

  it('serves nothing of the app: any other host is unknown, whatever the path', async () => {
    const { request, woken } = await serve([preview('foo-1.preview.bar.com', true)]);
    for (const [host, path] of [
      ['pr-preview.bar.com', '/metrics'],
      ['preview.bar.com', '/api/github/webhooks'],
      ['foo-1.preview.bar.com.evil.com', '/'],
    ] as const) {
      expect((await request(host, path)).status).toBe(404);
    }
    expect(woken).toEqual([]);
  });
});
