import { PatchStrategy, type KubernetesObject, type V1Ingress } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type AppProcess } from './support/app-process.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const dozy = { owner: 'acme', repo: 'dozy', repositoryId: 8111, number: 901 };
const namespace = 'dozy-pr-901';
const host = 'dozy-901.preview.bar.com';
const wakeService = 'pr-preview.pr-preview.svc.cluster.local';
let app: AppProcess;
let wakePort = 0;

/**
 * Beside the fixture's Deployment (3 replicas from values-preview.yaml): one
 * that leaves replicas to the default, a database, and an Ingress of the chart's.
 */
const extraTemplates = {
  '.cloud/charts/dozy/templates/worker.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: worker }
spec:
  selector: { matchLabels: { app: worker } }
  template:
    metadata: { labels: { app: worker } }
    spec: { containers: [{ name: worker, image: registry.example.com/worker:1 }] }
`,
  '.cloud/charts/dozy/templates/db.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 2
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: registry.example.com/db:1 }] }
`,
  '.cloud/charts/dozy/templates/ingress.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: dozy }
spec:
  rules:
    - host: anything.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: dozy-service, port: { name: nginx } } } }
          - { path: /api, pathType: Prefix, backend: { service: { name: dozy-service, port: { number: 80 } } } }
`,
};

beforeAll(async () => {
  await world.start();
  world.github.setConfig(dozy.owner, dozy.repo, 'app: dozy\nsleepAfter: 15s\n');
  world.github.addRepository(dozy.owner, dozy.repo, dozy.repositoryId);
  world.github.setPermission(dozy.owner, dozy.repo, 'reader', 'read');
  for (const n of [1, 2]) world.commit(dozy, sha(n), 'foo', 'dozy', extraTemplates);
  wakePort = await freePort();
  app = await world.replica({
    PREVIEW_RECONCILE_INTERVAL: '2s',
    PREVIEW_WAKE_PORT: String(wakePort),
    PREVIEW_WAKE_SERVICE: `${wakeService}:80`,
    PREVIEW_SLEEP_AFTER_MAX: '1h',
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await world.stop();
});

/** A visitor's request as the ingress controller passes it on: the app's wake port, the preview's Host. */
function visit(visitedHost: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: wakePort, path, headers: { host: visitedHost } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function workloads() {
  const [web, worker, db] = await Promise.all([
    world.k8s.apps.readNamespacedDeployment({ name: 'dozy', namespace }),
    world.k8s.apps.readNamespacedDeployment({ name: 'worker', namespace }),
    world.k8s.apps.readNamespacedStatefulSet({ name: 'db', namespace }),
  ]);
  return { web, worker, db };
}

const backendsOf = (ingress: V1Ingress) =>
  (ingress.spec?.rules ?? []).flatMap((rule) =>
    (rule.http?.paths ?? []).map(
      (p) =>
        `${p.path} ${p.backend.service?.name}:${p.backend.service?.port?.name ?? p.backend.service?.port?.number}`,
    ),
  );

async function ingresses() {
  const list = await world.k8s.networking.listNamespacedIngress({ namespace });
  return Object.fromEntries(list.items.map((i) => [i.metadata?.name, i]));
}

/** What the app kept of the sleeping preview, in its own namespace; undefined when awake. */
async function sleepRecord(): Promise<{ replicas: Record<string, number> } | undefined> {
  return world.k8s.core
    .readNamespacedConfigMap({ name: `pr-preview-sleep-${namespace}`, namespace: 'default' })
    .then(
      (record) => JSON.parse(record.data?.record ?? '{}') as { replicas: Record<string, number> },
      (error: { code?: number }) => {
        if (error.code === 404) return undefined;
        throw error;
      },
    );
}

async function wakeServiceExists(): Promise<boolean> {
  return world.k8s.core.readNamespacedService({ name: 'pr-preview-wake', namespace }).then(
    () => true,
    (error: { code?: number }) => {
      if (error.code === 404) return false;
      throw error;
    },
  );
}

async function expectAwake() {
  const { web, worker, db } = await workloads();
  expect([web.spec?.replicas, worker.spec?.replicas, db.spec?.replicas]).toEqual([3, 1, 2]);
  expect(await sleepRecord()).toBeUndefined();
  const { dozy: ingress } = await ingresses();
  expect(backendsOf(ingress as V1Ingress)).toEqual([
    '/ dozy-service:nginx',
    '/api dozy-service:80',
  ]);
  expect(await wakeServiceExists()).toBe(false);
  const ns = await world.k8s.core.readNamespace({ name: namespace });
  expect(ns.metadata?.annotations?.['pr-preview.dev/sleeping-since']).toBeUndefined();
}

async function waitAsleep() {
  await world.waitForComment(dozy, /😴 sleeping/);
  await eventually('workloads at zero', async () => {
    const { web, worker, db } = await workloads();
    return [web, worker, db].every((w) => w.spec?.replicas === 0) ? true : undefined;
  });
}

async function metric(name: string): Promise<number> {
  const body = (await app.get('/metrics')).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** Gauges of previews read the cluster at most every 15 s: the next reading shows the change. */
function gaugeAtLeast(name: string, value: number) {
  return eventually(
    `${name} ${value}`,
    async () => ((await metric(name)) >= value ? true : undefined),
    30_000,
  );
}

describe('sleep and wake', () => {
  it('sleeps an idle preview, wakes it on a request for its host, and puts it back to sleep when scaled up by hand', async () => {
    await world.send(
      'labeled',
      { ...dozy, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
      undefined,
      app,
    );
    await world.waitForComment(dozy, /✅ ready \| `1111111`/);
    await waitAsleep();

    // Asleep: workloads at zero, what they had kept in the app's own namespace (never on the
    // preview's objects, which its pods could rewrite), every route to the app's wake Service.
    expect((await sleepRecord())?.replicas).toEqual({
      'Deployment/dozy': 3,
      'Deployment/worker': 1,
      'StatefulSet/db': 2,
    });
    const { web, worker, db } = await workloads();
    for (const workload of [web, worker, db]) {
      expect(Object.keys(workload.metadata?.annotations ?? {})).not.toContain(
        'pr-preview.dev/awake-replicas',
      );
    }
    const asleep = await ingresses();
    expect(backendsOf(asleep.dozy as V1Ingress)).toEqual([
      '/ pr-preview-wake:80',
      '/api pr-preview-wake:80',
    ]);
    expect(asleep.dozy?.spec?.rules?.[0]?.host).toBe(host);
    const wake = await world.k8s.core.readNamespacedService({ name: 'pr-preview-wake', namespace });
    expect(wake.spec).toMatchObject({ type: 'ExternalName', externalName: wakeService });
    const body = world.commentBody(dozy) ?? '';
    expect(body).toContain(`[${host}](https://${host})`);
    // The GitHub Deployment stays active, with the same URL.
    const [deployment] = world.github.deploymentsOf(dozy.owner, dozy.repo, 'preview-pr-901');
    expect(deployment?.statuses.at(-1)).toMatchObject({
      state: 'success',
      environment_url: `https://${host}`,
    });

    // Scaled up by hand, without a wake: asleep again at the next pass.
    await world.k8s.objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'dozy', namespace },
        spec: { replicas: 5 },
      } as KubernetesObject,
      undefined,
      undefined,
      'someone',
      undefined,
      PatchStrategy.MergePatch,
    );
    await eventually('the hand-scaled Deployment asleep again', async () => {
      const again = await world.k8s.apps.readNamespacedDeployment({ name: 'dozy', namespace });
      return again.spec?.replicas === 0 ? again : undefined;
    });
    expect((await sleepRecord())?.replicas['Deployment/dozy']).toBe(3);
    expect(await metric('pr_preview_wakes_total{trigger="request"}')).toBe(0);

    // Unknown hosts find nothing; the preview's host gets the waking page and wakes it.
    expect(await visit('nobody-1.preview.bar.com', '/')).toMatchObject({ status: 404 });
    const page = await visit(host, '/products/7');
    expect(page.status).toBe(503);
    expect(page.body).toContain('Waking up this preview');
    await world.waitForComment(dozy, /✅ ready \| `1111111`/);
    await expectAwake();
    // The routes came back only once the workloads were ready.
    const woken = await workloads();
    const available = woken.web.status?.conditions?.find((c) => c.type === 'Available');
    const routed = (await ingresses()).dozy?.metadata?.managedFields?.find(
      (f: { manager?: string }) => f.manager === 'pr-preview-sleep',
    );
    expect(woken.web.status?.readyReplicas).toBe(3);
    expect(woken.db.status?.readyReplicas).toBe(2);
    expect(new Date(routed?.time as Date).getTime()).toBeGreaterThanOrEqual(
      new Date(available?.lastUpdateTime as Date).getTime(),
    );
    expect(await metric('pr_preview_wakes_total{trigger="request"}')).toBe(1);
    await gaugeAtLeast('pr_preview_previews{state="awake"}', 1);
  });

  it('deploys awake on a push during sleep, and wakes on /preview wake from anyone', async () => {
    await waitAsleep();
    await gaugeAtLeast('pr_preview_previews{state="sleeping"}', 1);
    await world.send(
      'synchronize',
      { ...dozy, sha: sha(2), labels: ['cd/preview'] },
      undefined,
      app,
    );
    await world.waitForComment(dozy, /✅ ready \| `2222222`/);
    await expectAwake();
    expect(await metric('pr_preview_wakes_total{trigger="push"}')).toBe(1);

    await waitAsleep();
    await world.sendComment(
      { ...dozy, body: '/preview wake', user: 'reader', commentId: 90_101 },
      app,
    );
    await world.waitForComment(dozy, /✅ ready \| `2222222`/);
    await expectAwake();
    expect(await metric('pr_preview_wakes_total{trigger="command"}')).toBe(1);
  });
});
