import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingressDir } from '../cluster/bed-traffic.ts';
import { setExternalNameTargets, stateDir } from '../cluster/bed.ts';
import { serverSlots } from '../cluster/haproxy-config.ts';
import { masterCommand, reloadsOf } from '../cluster/ingress-stand-in.ts';
import { podNetworkFor } from '../cluster/pod-network.ts';
import { bedObjects } from './support/bed-objects.ts';
import { get, replies, requirePodNetwork, viaIngress } from './support/ingress.ts';
import { clients, eventually } from './support/kube.ts';

/** The bed's traffic on its own, without the app: HAProxy, the stand-in, pods, storage. */
const namespace = 'bed-traffic';
const { core } = clients();
const { apply, freshNamespace, web, service, ingress, runningPods } = bedObjects(
  namespace,
  'bed-traffic-test',
);
let wakeServer: Server;

beforeAll(async () => {
  requirePodNetwork();
  await freshNamespace();
  wakeServer = createServer((req, res) => res.end(`woken for ${req.headers.host}`));
  await new Promise<void>((resolve) => wakeServer.listen(0, '127.0.0.1', resolve));
  setExternalNameTargets({
    'app.outside.svc.cluster.local:80': `127.0.0.1:${(wakeServer.address() as { port: number }).port}`,
  });
  for (const object of [
    web('web', 2, 'v1'),
    service('web'),
    web('exact', 1, 'v1'),
    service('exact'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'away', namespace },
      spec: {
        type: 'ExternalName',
        externalName: 'app.outside.svc.cluster.local',
        ports: [{ name: 'http', port: 80 }],
      },
    },
    ingress('web', 'web.bed.test', [
      ['/', 'Prefix', 'web'],
      ['/exact', 'Exact', 'exact'],
    ]),
    ingress('away', 'away.bed.test', [['/', 'Prefix', 'away']]),
    ingress('nginx', 'nginx.bed.test', [['/', 'Prefix', 'web']], { className: 'nginx' }),
    ingress('legacy', 'legacy.bed.test', [['/', 'ImplementationSpecific', 'web']], {
      legacyAnnotation: true,
    }),
  ]) {
    await apply(object);
  }
});

afterAll(async () => {
  setExternalNameTargets({});
  await new Promise((resolve) => wakeServer?.close(resolve));
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe("the bed's HAProxy, configured by the ingress stand-in", () => {
  it('reaches the pods behind an Ingress, and each answers with who it is', async () => {
    // Once the Deployments' pods are Running and in their Services' EndpointSlices, and the
    // stand-in has served every Ingress, HAProxy spreads requests over all pods.
    const answers = await eventually('every web pod answering, every Ingress served', async () => {
      const pods = await runningPods('web');
      const some = await replies('web.bed.test', 6);
      const answering = new Set(some.map((a) => a.pod?.pod));
      const others = await Promise.all([
        viaIngress('web.bed.test', '/exact'),
        viaIngress('legacy.bed.test'),
        viaIngress('away.bed.test'),
      ]);
      return pods.length === 2 &&
        pods.every((p) => answering.has(p.metadata?.name)) &&
        others.every((reply) => reply.status === 200)
        ? some
        : undefined;
    });
    const pods = await runningPods('web');
    for (const { pod } of answers) {
      const source = pods.find((p) => p.metadata?.name === pod?.pod);
      expect(pod).toMatchObject({
        namespace,
        ip: source?.status?.podIP,
        port: 8080,
        container: 'web',
        image: 'registry.example.com/web:v1',
        images: ['registry.example.com/web:v1'],
        env: [{ name: 'VERSION', value: 'v1' }],
        request: { method: 'GET', path: '/', host: 'web.bed.test' },
      });
    }
    expect((await viaIngress('web.bed.test', '/hello?x=1')).pod?.request.path).toBe('/hello?x=1');
  });

  it('routes Exact and Prefix paths as Kubernetes defines them', async () => {
    const app = async (path: string) => (await viaIngress('web.bed.test', path)).pod?.image;
    expect(await app('/exact')).toBe('registry.example.com/exact:v1');
    expect(await app('/exact/more')).toBe('registry.example.com/web:v1');
    expect(await app('/exactly')).toBe('registry.example.com/web:v1');
  });

  it('serves the legacy class annotation, ignores other classes, and answers 404 for unknown hosts', async () => {
    expect((await viaIngress('legacy.bed.test')).pod?.namespace).toBe(namespace);
    for (const host of ['nginx.bed.test', 'nobody.bed.test']) {
      const reply = await viaIngress(host);
      expect([reply.status, reply.body]).toEqual([404, 'no Ingress routes this host and path']);
    }
  });

  it('follows an ExternalName Service to where the bed resolves its name', async () => {
    const reply = await viaIngress('away.bed.test', '/');
    expect([reply.status, reply.body]).toEqual([200, 'woken for away.bed.test']);
  });

  it('serves a new rollout and a changed Ingress within about a second', async () => {
    await apply(web('web', 2, 'v2'));
    await eventually('the v2 pods Running', async () => {
      const pods = await runningPods('web');
      return pods.length === 2 &&
        pods.every((p) => p.spec?.containers[0]?.image === 'registry.example.com/web:v2')
        ? true
        : undefined;
    });
    const rolledAt = Date.now();
    await eventually('only v2 answering', async () => {
      const answers = await replies('web.bed.test', 4);
      return answers.every((a) => a.pod?.env[0]?.value === 'v2') ? true : undefined;
    });
    expect(Date.now() - rolledAt).toBeLessThan(3_000);

    const changedAt = Date.now();
    await apply(ingress('web', 'web.bed.test', [['/', 'Prefix', 'exact']]));
    await eventually('the new route', async () =>
      (await viaIngress('web.bed.test', '/anything')).pod?.image === 'registry.example.com/exact:v1'
        ? true
        : undefined,
    );
    expect(Date.now() - changedAt).toBeLessThan(3_000);
  });

  it('serves pods that come and go without a reload while they fit its slots, and reloads when they do not', async () => {
    const reloads = async () =>
      reloadsOf(await masterCommand(ingressDir(stateDir), 'show proc'))?.reloads;
    const answeredBy = (count: number) =>
      eventually(`${count} web pods answering`, async () => {
        const pods = await runningPods('web');
        const answering = new Set(
          (await replies('slots.bed.test', 4 * count)).map((a) => a.pod?.pod),
        );
        return pods.length === count && pods.every((p) => answering.has(p.metadata?.name))
          ? true
          : undefined;
      });
    await apply(ingress('slots', 'slots.bed.test', [['/', 'Prefix', 'web']]));
    await answeredBy(2);
    const before = await reloads();
    await apply(web('web', serverSlots, 'v2'));
    await answeredBy(serverSlots);
    await apply(web('web', 1, 'v2'));
    await answeredBy(1);
    expect(await reloads()).toBe(before);

    await apply(web('web', serverSlots + 1, 'v2'));
    await answeredBy(serverSlots + 1);
    expect(await reloads()).toBeGreaterThan(before as number);
    await apply(web('web', 2, 'v2'));
    await answeredBy(2);
  });

  it("counts every backend's answers in HAProxy's Prometheus exporter", async () => {
    const answered = () =>
      fetch(inject('metricsUrl'))
        .then((res) => res.text())
        .then((metrics) =>
          Number(
            new RegExp(
              `^haproxy_backend_http_responses_total\\{proxy="${namespace}_exact_http",code="2xx"\\} (\\d+)$`,
              'm',
            ).exec(metrics)?.[1] ?? 0,
          ),
        );
    // A worker counts from its start: a reload between the two reads (the test before changed
    // web's slots) starts again from zero, so the count is read again.
    await eventually('three answers counted', async () => {
      const before = await answered();
      const replies = await Promise.all([1, 2, 3].map(() => viaIngress('web.bed.test', '/x')));
      expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200]);
      return (await answered()) === before + 3 ? true : undefined;
    });
  });
});

describe("the bed's pod network", () => {
  it('answers on a Running pod address and declared port from the host, and refuses the rest', async () => {
    const { hostAddress } = podNetworkFor(stateDir);
    const [pod] = await runningPods('exact');
    const direct = await get(new URL(`http://${pod?.status?.podIP}:8080`), 'x', '/', hostAddress);
    expect(direct.pod?.pod).toBe(pod?.metadata?.name);
    // An address no Running pod owns is refused, as a gone pod's would be.
    await expect(
      get(new URL('http://10.0.255.254:8080'), 'x', '/', hostAddress),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(
      get(new URL(`http://${pod?.status?.podIP}:9999`), 'x', '/', hostAddress),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('lets nothing out: the namespace routes only to the host end of its veth', () => {
    const netns = requirePodNetwork();
    const out = spawnSync('ip', ['-n', netns, 'route', 'get', '1.1.1.1'], { encoding: 'utf8' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('Network is unreachable');
    const routes = spawnSync('ip', ['-n', netns, 'route', 'show'], { encoding: 'utf8' }).stdout;
    expect(routes).not.toContain('default');
  });
});

describe("the bed's storage", () => {
  it('binds a claim of the default class to a volume made for it, removed with the claim', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const bound = await eventually('the claim Bound', async () => {
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace });
      return claim.status?.phase === 'Bound' ? claim : undefined;
    });
    expect(bound.spec?.storageClassName).toBe('bed-local');
    const volume = await core.readPersistentVolume({ name: bound.spec?.volumeName ?? '' });
    expect(volume.spec?.claimRef).toMatchObject({
      namespace,
      name: 'data',
      uid: bound.metadata?.uid,
    });
    expect(volume.spec?.capacity).toEqual({ storage: '1Gi' });
    const folder = volume.spec?.hostPath?.path ?? '';
    expect(folder.startsWith(`${stateDir}/volumes/`)).toBe(true);
    expect(existsSync(folder)).toBe(true);

    await core.deleteNamespacedPersistentVolumeClaim({ name: 'data', namespace });
    await eventually('the released volume deleted', async () => {
      const volumes = await core.listPersistentVolume();
      return volumes.items.some((v) => v.metadata?.name === volume.metadata?.name)
        ? undefined
        : true;
    });
    expect(existsSync(folder)).toBe(false);
  });
});
