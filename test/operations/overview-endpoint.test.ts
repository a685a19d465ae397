import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnOwnPort } from '../../src/operations/own-port-server.ts';
import { overviewEndpoint } from '../../src/operations/overview-endpoint.ts';
import { duration } from '../../src/operations/overview-page.ts';
import { planOverview, type Overview } from '../../src/plan/previews-overview.ts';
import type { ObservedPreview } from '../../src/ports.ts';
import { silentLogger } from '../support/fake-ports.ts';
import { shopPreview } from '../support/observed-preview.ts';

const hostile = '<img src=x onerror=alert(1)>';
const previews: ObservedPreview[] = [
  shopPreview({
    createdAt: '2026-12-02T09:00:00.000Z',
    sleepingSince: '2026-12-02T11:00:00.000Z',
    keptBy: 'ann',
  }),
];
const overviewNow = () =>
  planOverview({
    previews,
    comments: [
      {
        key: { repositoryId: 11, installationId: 5, owner: 'acme', repo: 'shop', number: 7 },
        stored: {
          unsent: false,
          state: {
            rows: [
              { tenant: 'be', url: '', status: 'failed', sha: 'b'.repeat(40), reason: hostile },
            ],
          },
        },
      },
    ],
    githubWebUrl: 'https://github.com',
    now: new Date('2026-12-02T12:00:00Z'),
  });

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(overview: () => Promise<Overview>) {
  server = await listenOnOwnPort({
    name: 'previews overview',
    port: 0,
    host: '127.0.0.1',
    handle: overviewEndpoint({ overview, logger: silentLogger }),
    logger: silentLogger,
  });
  const { port } = server.address() as AddressInfo;
  return (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
}

describe('the previews overview endpoint', () => {
  it('serves the rows as JSON', async () => {
    const get = await serve(async () => overviewNow());
    const reply = await get('/previews.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await reply.json()).toEqual(JSON.parse(JSON.stringify(overviewNow())));
  });

  it('serves a page of the same rows, every value escaped, and no script allowed', async () => {
    const get = await serve(async () => overviewNow());
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    const page = await reply.text();
    expect(page).toContain('<td class="repository">acme/shop</td>');
    expect(page).toContain('<a href="https://github.com/acme/shop/pull/7">#7</a>');
    expect(page).toContain(
      '<a href="https://shop-7-fr.preview.bar.com">shop-7-fr.preview.bar.com</a>',
    );
    expect(page).toContain(
      '<td class="age"><time datetime="2026-12-02T09:00:00.000Z">3h</time></td>',
    );
    expect(page).toContain('<td class="kept-by">ann</td>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('answers HEAD without a body, refuses writes, and has nothing else', async () => {
    const get = await serve(async () => overviewNow());
    const head = await get('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get('/previews.json', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/metrics')).status).toBe(404);
  });

  it('says 503 while the previews cannot be read', async () => {
    const get = await serve(async () => {
      throw new Error('API server unreachable');
    });
    const reply = await get('/previews.json');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
  });

  it('shows an empty register as such', async () => {
    const get = await serve(async () =>
      planOverview({
        previews: [],
        comments: [],
        githubWebUrl: 'https://github.com',
        now: new Date(),
      }),
    );
    expect(await (await get('/')).text()).toContain('<td colspan="9">No previews.</td>');
  });
});

describe('duration', () => {
  it.each([
    [0, '0s'],
    [42, '42s'],
    [60, '1m'],
    [3_725, '1h 2m'],
    [10_800, '3h'],
    [90_061, '1d 1h'],
  ])('%d s is %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
