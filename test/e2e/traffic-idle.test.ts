import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setExternalNameTargets } from '../cluster/bed.ts';
import { freePort, type AppProcess } from './support/app-process.ts';
import { requirePodNetwork, viaIngress } from './support/ingress.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Idle as the platform's Prometheus sees it: the bed's Prometheus scrapes
 * HAProxy's exporter every second, and the app asks it, with its default
 * query, how many requests each preview had over its sleepAfter.
 */
const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'idle', repositoryId: 9302 };
const busy = { ...repo, number: 1 };
const quiet = { ...repo, number: 2 };
const hostOf = (pr: { number: number }) => `idle-${pr.number}.preview.bar.com`;
const namespaceOf = (pr: { number: number }) => `idle-pr-${pr.number}`;
const wakeService = 'pr-preview.pr-preview.svc.cluster.local';
const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' };
const uptimeChecker = {
  'user-agent': 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
};
let app: AppProcess;

beforeAll(async () => {
  requirePodNetwork();
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: idle\nsleepAfter: 10s\n');
  world.commit(repo, sha(1), 'foo', 'idle');
  const wakePort = await freePort();
  setExternalNameTargets({ [`${wakeService}:80`]: `127.0.0.1:${wakePort}` });
  app = await world.replica({
    PREVIEW_RECONCILE_INTERVAL: '2s',
    PREVIEW_WAKE_PORT: String(wakePort),
    PREVIEW_WAKE_SERVICE: `${wakeService}:80`,
    PREVIEW_SLEEP_AFTER_MAX: '1h',
    PREVIEW_PROMETHEUS_URL: inject('prometheusUrl'),
  });
}, 120_000);

afterAll(async () => {
  setExternalNameTargets({});
  await app?.stop();
  await world.stop();
});

/** The preview's namespace, as the API server has it: asleep since when, if asleep. */
async function sleepingSince(pr: { number: number }): Promise<string | undefined> {
  const namespace = await world.k8s.core.readNamespace({ name: namespaceOf(pr) });
  return namespace.metadata?.annotations?.['pr-preview.dev/sleeping-since'];
}

describe('a preview in use, by its requests through HAProxy', () => {
  it('stays awake while visited, and the unvisited one sleeps; an uptime checker wakes nothing', async () => {
    for (const pr of [busy, quiet]) {
      await world.send(
        'labeled',
        { ...pr, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
        undefined,
        app,
      );
    }
    for (const pr of [busy, quiet]) await world.waitForComment(pr, /✅ ready \| `1111111`/);
    const deployedAt = Date.now();

    // A visitor on the busy preview every second, for three times its sleepAfter.
    let visits = 0;
    let lastVisit = 0;
    while (Date.now() - deployedAt < 30_000) {
      lastVisit = Date.now();
      const reply = await viaIngress(hostOf(busy), '/', browser);
      expect(reply.pod?.namespace).toBe(namespaceOf(busy));
      visits++;
      await sleep(1_000);
    }
    expect(visits).toBeGreaterThan(20);
    expect(await sleepingSince(quiet)).toBeDefined();
    expect(world.commentBody(quiet)).toMatch(/😴 sleeping/);
    expect(await sleepingSince(busy)).toBeUndefined();
    expect(world.commentBody(busy)).toMatch(/✅ ready \| `1111111`/);
    expect(
      (
        await world.k8s.apps.readNamespacedDeployment({
          name: 'idle',
          namespace: namespaceOf(busy),
        })
      ).spec?.replicas,
    ).toBe(3);

    // The sleeping one's waking page, to an uptime checker, wakes nothing.
    const since = await sleepingSince(quiet);
    for (let i = 0; i < 3; i++) {
      const page = await viaIngress(hostOf(quiet), '/', uptimeChecker);
      expect(page.status).toBe(503);
      expect(page.body).toContain('Waking up this preview');
    }
    await sleep(5_000);
    expect(await sleepingSince(quiet)).toBe(since);
    expect(app.output.join('')).not.toContain('wake: a request for a sleeping preview');

    // Once nobody visits it, the busy one sleeps too, its sleepAfter after the last visit.
    await world.waitForComment(busy, /😴 sleeping/);
    expect(Date.now() - lastVisit).toBeGreaterThanOrEqual(9_000);

    for (const pr of [busy, quiet]) {
      await world.send('closed', { ...pr, sha: sha(1), labels: ['cd/preview'] }, undefined, app);
      await world.waitForComment(pr, /🗑️ destroyed/);
    }
  });
});
