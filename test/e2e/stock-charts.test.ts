import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePodNetwork, viaIngress } from './support/ingress.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Charts as a newcomer brings them: `helm create web` unchanged
 * (test/fixtures/charts/web, made by helm 3.22), with no settings at all,
 * and the same chart running a public image the app must leave alone.
 */
const world = new PreviewWorld();
const stock = { owner: 'acme', repo: 'web', repositoryId: 9401 };
const publicImage = { owner: 'acme', repo: 'podinfo', repositoryId: 9402 };

beforeAll(async () => {
  requirePodNetwork();
  await world.start();
}, 120_000);

afterAll(async () => {
  await world.stop();
});

describe('a stock helm create chart', () => {
  it("previews without settings: the app's Ingress routes to the chart's only Service, which answers", async () => {
    const pr = { ...stock, number: 1 };
    world.commit(stock, sha(1), 'web', 'web');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready \| `1111111`/);
    const ingress = await world.k8s.networking.readNamespacedIngress({
      name: 'web-preview',
      namespace: 'web-pr-1',
    });
    expect(ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service).toEqual({
      name: 'web',
      port: { name: 'http' },
    });
    const reply = await eventually('web-1 answered by its pod', async () => {
      const answer = await viaIngress('web-1.preview.bar.com');
      return answer.pod ? answer : undefined;
    });
    expect(reply.status).toBe(200);
    expect(reply.pod).toMatchObject({ namespace: 'web-pr-1', image: `nginx:${sha(1)}` });
  });

  it('fails naming both when the configured Service is not in the render, and leaves nothing', async () => {
    const pr = { ...stock, number: 2 };
    world.github.setConfig(stock.owner, stock.repo, 'ingress: { service: web-service }\n');
    try {
      await world.send('labeled', {
        ...pr,
        sha: sha(1),
        labels: ['cd/preview'],
        label: 'cd/preview',
      });
      const body = await world.waitForComment(pr, /❌ failed/);
      expect(body).toContain(
        "the preview's Ingress routes to Service `web-service`, which the chart does not render (its Services: `web`)",
      );
      expect(await world.namespacesOf(stock.repositoryId, 2)).toEqual([]);
    } finally {
      world.github.setConfig(stock.owner, stock.repo, '');
    }
  });
});

describe('a public image', () => {
  it('keeps its own tag with imageTagKey: none', async () => {
    const pr = { ...publicImage, number: 3 };
    world.github.setConfig(
      publicImage.owner,
      publicImage.repo,
      [
        'app: podinfo',
        'chart: .cloud/charts/web',
        'imageTagKey: none',
        "set: { image.repository: ghcr.io/stefanprodan/podinfo, image.tag: '6.7.1' }",
        '',
      ].join('\n'),
    );
    world.commit(publicImage, sha(3), 'web', 'web');
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready \| `3333333`/);
    const deployments = await world.k8s.apps.listNamespacedDeployment({
      namespace: 'podinfo-pr-3',
    });
    expect(
      deployments.items.flatMap((d) => d.spec?.template.spec?.containers.map((c) => c.image)),
    ).toEqual(['ghcr.io/stefanprodan/podinfo:6.7.1']);
  });
});
