import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setExternalNameTargets } from '../cluster/bed.ts';
import { freePort, type AppProcess } from './support/app-process.ts';
import { requirePodNetwork, viaIngress } from './support/ingress.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * A sleeping preview as a visitor meets it through the bed's HAProxy: its
 * Ingress sends the host to the ExternalName Service `pr-preview-wake`, which
 * names the app's Service; the bed resolves that name to the app's wake port
 * on the host, as the cluster's DNS would resolve it to the app's pods.
 */
const world = new PreviewWorld();
const nap = { owner: 'acme', repo: 'nap', repositoryId: 9311, number: 12 };
const host = 'nap-12.preview.bar.com';
const wakeService = 'pr-preview.pr-preview.svc.cluster.local';
let app: AppProcess;

beforeAll(async () => {
  requirePodNetwork();
  await world.start();
  world.github.setConfig(nap.owner, nap.repo, 'app: nap\nsleepAfter: 10s\n');
  world.commit(nap, sha(1), 'foo', 'nap');
  const wakePort = await freePort();
  setExternalNameTargets({ [`${wakeService}:80`]: `127.0.0.1:${wakePort}` });
  app = await world.replica({
    PREVIEW_RECONCILE_INTERVAL: '2s',
    PREVIEW_WAKE_PORT: String(wakePort),
    PREVIEW_WAKE_SERVICE: `${wakeService}:80`,
    PREVIEW_SLEEP_AFTER_MAX: '1h',
  });
}, 120_000);

afterAll(async () => {
  setExternalNameTargets({});
  await app?.stop();
  await world.stop();
});

const replicas = async () =>
  (await world.k8s.apps.readNamespacedDeployment({ name: 'nap', namespace: 'nap-pr-12' })).spec
    ?.replicas;

describe('a sleeping preview, through HAProxy', () => {
  it("shows the app's waking page for its host, wakes, and is answered by its pods again", async () => {
    await world.send(
      'labeled',
      { ...nap, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
      undefined,
      app,
    );
    await world.waitForComment(nap, /✅ ready \| `1111111`/);
    await eventually('a pod answering', async () =>
      (await viaIngress(host)).pod?.namespace === 'nap-pr-12' ? true : undefined,
    );

    await world.waitForComment(nap, /😴 sleeping/);
    expect(await replicas()).toBe(0);
    const page = await eventually('the waking page', async () => {
      const reply = await viaIngress(host, '/products/7');
      return reply.body.includes('Waking up this preview') ? reply : undefined;
    });
    expect(page.status).toBe(503);
    expect(page.pod).toBeUndefined();

    await world.waitForComment(nap, /✅ ready \| `1111111`/);
    const woken = await eventually(
      'the pods answering again',
      async () => {
        const reply = await viaIngress(host);
        return reply.pod ? reply : undefined;
      },
      10_000,
    );
    expect(woken.pod).toMatchObject({
      namespace: 'nap-pr-12',
      image: `registry.example.com/foo:${sha(1)}`,
      request: { host },
    });
    expect(await replicas()).toBe(3);

    await world.send('closed', { ...nap, sha: sha(1), labels: ['cd/preview'] }, undefined, app);
    await world.waitForComment(nap, /🗑️ destroyed/);
    await eventually('the host unrouted', async () =>
      (await viaIngress(host)).status === 404 ? true : undefined,
    );
  });
});
