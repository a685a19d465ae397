import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressDir } from '../cluster/bed-traffic.ts';
import { stateDir } from '../cluster/bed.ts';
import { servedPath } from '../cluster/ingress-stand-in.ts';
import { podNetworkFor } from '../cluster/pod-network.ts';
import { bedObjects } from './support/bed-objects.ts';
import { get, replies, requirePodNetwork } from './support/ingress.ts';
import { clients, eventually } from './support/kube.ts';
import { instantQuery } from './support/prometheus.ts';

/** The bed's Prometheus on its own, without the app: what it scrapes from HAProxy's exporter. */
const namespace = 'bed-prometheus';
const host = 'counted.bed.test';
/** HAProxy's backend for the Service `web`, port `http`: the `proxy` label of its metrics. */
const proxy = `${namespace}_web_http`;
const sent = 5;
const { core } = clients();
const { apply, freshNamespace, web, service, ingress, runningPods } = bedObjects(
  namespace,
  'bed-prometheus-test',
);

beforeAll(async () => {
  requirePodNetwork();
  await freshNamespace();
  for (const object of [
    web('web', 1, 'v1'),
    service('web'),
    ingress('web', host, [['/', 'Prefix', 'web']]),
  ]) {
    await apply(object);
  }
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

/** The generation of HAProxy's configuration that the stand-in last had HAProxy load. */
const served = () => readFileSync(servedPath(ingressDir(stateDir)), 'utf8');

/**
 * Sends `sent` requests to the host and returns what Prometheus then counts
 * for its backend; null when HAProxy reloaded meanwhile, since a reload's new
 * worker counts from 0 again (any Ingress, Service or endpoint changing in the
 * cluster, another test's going away included, causes one).
 */
async function countedRound(): Promise<number | null> {
  // Asked straight from the host's end of the pod network, not through HAProxy, whose count
  // must hold only the requests below.
  const { hostAddress } = podNetworkFor(stateDir);
  await eventually('the pod answering', async () => {
    const [pod] = await runningPods('web');
    const ip = pod?.status?.podIP;
    return ip && (await get(new URL(`http://${ip}:8080`), host, '/', hostAddress)).pod
      ? true
      : undefined;
  });
  // Backends exist only for Ingress paths: one with its pod's server is a route served. A
  // sample at 0 from before the requests is what increase() below needs to see them.
  await eventually('HAProxy routing the host to the pod, counted at 0 in Prometheus', async () => {
    const ready = await instantQuery(
      `haproxy_backend_http_requests_total{proxy="${proxy}"} == 0` +
        ` and on (proxy) haproxy_backend_active_servers{proxy="${proxy}"} == 1`,
    );
    return ready.length === 1 ? true : undefined;
  });
  const generation = served();
  const answers = await replies(host, sent);
  expect(answers.map((a) => [a.status, a.pod?.namespace])).toEqual(
    Array(sent).fill([200, namespace]),
  );
  const query = `sum by (proxy) (haproxy_backend_http_requests_total{proxy="${proxy}"})`;
  return eventually(
    'Prometheus counting the requests sent',
    async () => {
      if (served() !== generation) return null;
      const [series] = await instantQuery(query);
      // Scraped each second: a count below what was sent is one not scraped yet.
      return series && series.value >= sent ? series.value : undefined;
    },
    15_000,
  );
}

describe("the bed's Prometheus, scraping HAProxy's exporter", () => {
  it("counts each request HAProxy sent to a Service's backend", async () => {
    let counted: number | null = null;
    for (let round = 0; round < 3 && counted === null; round++) counted = await countedRound();
    expect(counted).toBe(sent);
  });

  it("sums the last minute's requests by namespace, as the app asks", async () => {
    // The requests of the test above, with the sample at 0 from before them.
    const perNamespace = await instantQuery(
      'sum by (namespace) (label_replace(increase(haproxy_backend_http_requests_total[1m]),' +
        ' "namespace", "$1", "proxy", "^([^_]+)_.*"))',
    );
    const ours = perNamespace.find((series) => series.metric.namespace === namespace);
    expect(ours?.metric).toEqual({ namespace });
    expect(ours?.value).toBeGreaterThan(0);
  });
});
