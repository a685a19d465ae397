import type { V1Namespace } from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Overview, OverviewRow } from '../../src/plan/previews-overview.ts';
import { freePort, type AppProcess } from './support/app-process.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * The platform team's overview as they would use it: the app's own page in a
 * real browser (Debian's chromium, headless), and its JSON, against previews
 * deployed, kept and put to sleep by the app itself.
 */
const world = new PreviewWorld();
const shop = { owner: 'acme', repo: 'shop', repositoryId: 9501, number: 7 };
const nap = { owner: 'acme', repo: 'naps', repositoryId: 9502, number: 3 };
const wakeService = 'pr-preview.pr-preview.svc.cluster.local';
const screenshots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results');
let app: AppProcess;
let overviewPort = 0;
let browser: Browser;

beforeAll(async () => {
  world.github.setConfig(shop.owner, shop.repo, 'app: shop\ntenants: [fr, be]\nttl: 2h\n');
  world.github.setConfig(nap.owner, nap.repo, 'app: naps\nsleepAfter: 10s\n');
  world.github.addRepository(shop.owner, shop.repo, shop.repositoryId);
  world.github.setPermission(shop.owner, shop.repo, 'maintainer', 'write');
  world.commit(shop, sha(4), 'foo', 'shop');
  world.commit(nap, sha(5), 'foo', 'naps');
  overviewPort = await freePort();
  await world.start({
    PREVIEW_RECONCILE_INTERVAL: '2s',
    PREVIEW_OVERVIEW_PORT: String(overviewPort),
    PREVIEW_WAKE_PORT: String(await freePort()),
    PREVIEW_WAKE_SERVICE: `${wakeService}:80`,
    PREVIEW_SLEEP_AFTER_MAX: '1h',
  });
  app = world.app;
  browser = await puppeteer.launch({
    executablePath: inject('chromium'),
    // Root on a machine without user namespaces for the sandbox; the page is the app's own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world.stop();
});

const overviewUrl = (path = '/') => `http://127.0.0.1:${overviewPort}${path}`;
const readOverview = async () =>
  (await (await fetch(overviewUrl('/previews.json'))).json()) as Overview;
const namespace = (name: string) => world.k8s.core.readNamespace({ name });
/** This file's previews, in the overview's order (repository, pull request, tenant). */
const mine = ['naps-pr-3', 'shop-pr-7-be', 'shop-pr-7-fr'];

describe('the previews overview', () => {
  it('lists every preview with its state, commit, age, sleep and keep, as JSON and in a browser', async () => {
    await world.send('labeled', {
      ...shop,
      sha: sha(4),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.send('labeled', {
      ...nap,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(
      shop,
      /FR \|.*✅ ready \| `4444444`/,
      /BE \|.*✅ ready \| `4444444`/,
    );
    await world.sendComment({
      ...shop,
      body: '/preview keep fr',
      user: 'maintainer',
      commentId: 9501_1,
    });
    await world.waitForComment(nap, /😴 sleeping/);
    await world.waitForComment(shop, /FR \|.*✅ ready · kept by `maintainer` \|/);
    await eventually(
      'fr kept',
      async () =>
        (await namespace('shop-pr-7-fr')).metadata?.annotations?.['pr-preview.dev/kept-by'],
    );

    // The JSON, against the namespaces the API server holds.
    // Other test files share the bed and the installation: only this file's rows are judged.
    const overview = await eventually('the overview with all three', async () => {
      const read = await readOverview();
      const fr = read.previews.find((p) => p.namespace === 'shop-pr-7-fr');
      const sleeping = read.previews.find((p) => p.namespace === 'naps-pr-3');
      const ours = read.previews.filter((p) => mine.includes(p.namespace ?? ''));
      return ours.length === 3 && fr?.keptBy && sleeping?.state === 'sleeping' ? read : undefined;
    });
    const byNamespace = new Map(overview.previews.map((row) => [row.namespace, row]));
    for (const name of mine) {
      const stored = await namespace(name);
      const shown = byNamespace.get(name);
      expect(shown, name).toEqual(expectedRow(stored, shown));
      const age = (Date.parse(overview.generatedAt) - Date.parse(shown?.createdAt ?? '')) / 1000;
      expect(shown?.ageSeconds).toBe(Math.floor(age));
    }
    expect(byNamespace.get('shop-pr-7-fr')).toMatchObject({ state: 'ready', keptBy: 'maintainer' });
    expect(byNamespace.get('shop-pr-7-be')).toMatchObject({ state: 'ready' });
    expect(byNamespace.get('shop-pr-7-be')?.expiresAt).toBeDefined();
    expect(byNamespace.get('naps-pr-3')).toMatchObject({ state: 'sleeping', tenant: null });
    const counted = Object.values(overview.totals).reduce((sum, count) => sum + count, 0);
    expect(counted).toBe(overview.previews.length);
    expect(overview.totals.sleeping).toBeGreaterThanOrEqual(1);

    // The page, as chromium lays it out.
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 600 });
    const response = await page.goto(overviewUrl('/'), { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Previews');
    // Browser-side code as text: the project's types have no DOM.
    const ourRows = `Array.from(document.querySelectorAll('#previews tbody tr'))
      .filter((tr) => ${JSON.stringify(mine)}.includes(tr.dataset.namespace))`;
    const table = (await page.evaluate(`${ourRows}
      .map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.innerText.trim()))`)) as string[][];
    expect(table).toEqual([
      [
        'acme/naps',
        '#3',
        '–',
        'naps-3.preview.bar.com',
        'sleeping',
        '5555555',
        expect.stringMatching(/^\d+[smh]/),
        byNamespace.get('naps-pr-3')?.sleepingSince,
        '–',
      ],
      [
        'acme/shop',
        '#7',
        'be',
        'shop-7-be.preview.bar.com',
        'ready',
        '4444444',
        expect.stringMatching(/^\d+[smh]/),
        '–',
        '–',
      ],
      [
        'acme/shop',
        '#7',
        'fr',
        'shop-7-fr.preview.bar.com',
        'ready',
        '4444444',
        expect.stringMatching(/^\d+[smh]/),
        '–',
        'maintainer',
      ],
    ]);
    const links = (await page.evaluate(
      `Array.from(document.querySelectorAll('#previews a'), (a) => a.href)`,
    )) as string[];
    expect(links).toContain(`http://${world.github.host}/acme/shop/pull/7`);
    expect(links).toContain('https://shop-7-fr.preview.bar.com/');

    // A screenshot of the table, decoded by the browser itself: each state's badge shows its colour.
    const element = await page.$('#previews');
    const box = await element?.boundingBox();
    const png = Buffer.from((await element?.screenshot({ type: 'png' })) ?? []);
    mkdirSync(screenshots, { recursive: true });
    writeFileSync(join(screenshots, 'previews-overview.png'), png);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(Math.abs(png.readUInt32BE(16) - (box?.width ?? 0))).toBeLessThanOrEqual(1);
    const badges = (await page.evaluate(`(() => {
      const table = document.getElementById('previews').getBoundingClientRect();
      return ${ourRows}.map((tr) => {
        const rect = tr.querySelector('td.state span').getBoundingClientRect();
        return { x: Math.round(rect.x - table.x + 4), y: Math.round(rect.y - table.y + rect.height / 2) };
      });
    })()`)) as { x: number; y: number }[];
    const blank = await browser.newPage();
    const colours = (await blank.evaluate(`(async () => {
      const image = new Image();
      image.src = ${JSON.stringify(`data:image/png;base64,${png.toString('base64')}`)};
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      return ${JSON.stringify(badges)}.map(({ x, y }) => Array.from(context.getImageData(x, y, 1, 1).data));
    })()`)) as number[][];
    // Sleeping #0969da, ready #1a7f37 (chromium's colour management may move a channel by a few).
    const near = (rgba: number[], rgb: number[]) =>
      rgb.every((channel, i) => Math.abs((rgba[i] ?? -99) - channel) <= 6);
    expect(near(colours[0] ?? [], [0x09, 0x69, 0xda]), `sleeping badge ${colours[0]}`).toBe(true);
    expect(near(colours[1] ?? [], [0x1a, 0x7f, 0x37]), `ready badge ${colours[1]}`).toBe(true);
    expect(near(colours[2] ?? [], [0x1a, 0x7f, 0x37]), `ready badge ${colours[2]}`).toBe(true);
    await blank.close();
    await page.close();
  });

  it('is read-only and shows nothing but itself', async () => {
    expect((await fetch(overviewUrl('/previews.json'), { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(overviewUrl('/api/github/webhooks'), { method: 'POST' })).status).toBe(404);
    // The webhook port has no overview: the two are apart.
    expect((await fetch(`http://127.0.0.1:${app.port}/previews.json`)).status).toBe(404);
  });
});

/** What the overview must say of a namespace, read from the API server. */
function expectedRow(stored: V1Namespace, shown: OverviewRow | undefined): OverviewRow {
  const annotations = stored.metadata?.annotations ?? {};
  const labels = stored.metadata?.labels ?? {};
  const createdAt = new Date(stored.metadata?.creationTimestamp ?? 0).toISOString();
  const host = annotations['pr-preview.dev/host'] as string;
  const tenant = labels['pr-preview.dev/tenant'] ?? null;
  const repository = annotations['pr-preview.dev/repository'] as string;
  return {
    repository,
    pullRequest: Number(labels['pr-preview.dev/pull-request']),
    pullRequestUrl: `http://${world.github.host}/${repository}/pull/${labels['pr-preview.dev/pull-request']}`,
    tenant,
    namespace: stored.metadata?.name as string,
    host,
    url: `https://${host}`,
    state: shown?.state ?? 'running',
    commit: annotations['pr-preview.dev/sha'] as string,
    createdAt,
    ageSeconds: shown?.ageSeconds ?? -1,
    deployedAt: annotations['pr-preview.dev/active-at'] as string,
    ...(annotations['pr-preview.dev/sleeping-since']
      ? { sleepingSince: annotations['pr-preview.dev/sleeping-since'] }
      : {}),
    ...(annotations['pr-preview.dev/kept-by']
      ? { keptBy: annotations['pr-preview.dev/kept-by'] }
      : {
          ...(annotations['pr-preview.dev/expires-at']
            ? { expiresAt: annotations['pr-preview.dev/expires-at'] }
            : {}),
        }),
  };
}
