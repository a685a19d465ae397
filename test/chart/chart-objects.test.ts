import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chartDir,
  fakeApiServer,
  helm,
  requiredValues,
  setting,
  template,
  type RenderedObject,
} from './support/helm-chart.ts';

const only = (objects: RenderedObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe("the chart's Deployment", () => {
  it.each([
    ['25s', 35],
    ['1m30s', 100],
    ['2m', 130],
    ['1h', 3610],
    ['0', 10],
  ])('gives the pod shutdownGrace %s plus 10 s to stop: %d s', async (grace, seconds) => {
    const [deployment] = only(await template([`previews.shutdownGrace=${grace}`]), 'Deployment');
    expect(deployment?.spec.template.spec.terminationGracePeriodSeconds).toBe(seconds);
    expect(deployment?.spec.template.spec.containers[0].env).toContainEqual({
      name: 'PREVIEW_SHUTDOWN_GRACE',
      value: grace,
    });
  });
});

describe("the chart's previews overview", () => {
  it('is off by default; on, it is served on the container port overview, on no Service', async () => {
    const container = async (values: string[]) =>
      only(await template(values), 'Deployment')[0]?.spec.template.spec.containers[0];
    const off = await container([]);
    expect(off.ports.map((p: { name: string }) => p.name)).not.toContain('overview');
    expect(off.env.map((e: { name: string }) => e.name)).not.toContain('PREVIEW_OVERVIEW_PORT');
    const on = await container(['overview.enabled=true']);
    expect(on.ports).toContainEqual({ name: 'overview', containerPort: 3002, protocol: 'TCP' });
    expect(on.env).toContainEqual({ name: 'PREVIEW_OVERVIEW_PORT', value: '3002' });
    const [service] = only(await template(['overview.enabled=true']), 'Service');
    expect(service?.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual([
      'http',
      'wake',
    ]);
  });

  it('is let in by the NetworkPolicy only from the peers the operator names', async () => {
    const ingress = async (values: string[]) =>
      only(await template(['networkPolicy.enabled=true', ...values]), 'NetworkPolicy')[0]?.spec
        .ingress as { ports: { port: string }[]; from: unknown[] }[];
    const overviewRules = (rules: { ports: { port: string }[] }[]) =>
      rules.filter((rule) => rule.ports.some((port) => port.port === 'overview'));
    expect(overviewRules(await ingress(['overview.enabled=true']))).toEqual([]);
    const peer = 'overview.from[0].namespaceSelector.matchLabels.team=platform';
    expect(overviewRules(await ingress(['overview.enabled=true', peer]))).toEqual([
      {
        ports: [{ port: 'overview', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { team: 'platform' } } }],
      },
    ]);
    expect(overviewRules(await ingress([peer]))).toEqual([]);
  });

  it('listens on loopback unless opened to named peers, which needs the NetworkPolicy', async () => {
    const env = async (values: string[]) =>
      (only(await template(values), 'Deployment')[0]?.spec.template.spec.containers[0].env ??
        []) as { name: string; value?: string }[];
    const peer = 'overview.from[0].namespaceSelector.matchLabels.team=platform';
    expect((await env(['overview.enabled=true'])).map((e) => e.name)).not.toContain(
      'PREVIEW_OVERVIEW_HOST',
    );
    expect(await env(['overview.enabled=true', 'networkPolicy.enabled=true', peer])).toContainEqual(
      { name: 'PREVIEW_OVERVIEW_HOST', value: '0.0.0.0' },
    );
    const open = await helm(
      'template',
      'pr-preview',
      chartDir,
      ...setting([...requiredValues, 'overview.enabled=true', peer]),
    );
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('set networkPolicy.enabled=true, or leave overview.from empty');
  });
});

describe("the chart's PodDisruptionBudget", () => {
  it('is made only with more than one replica, one pod down at a time', async () => {
    expect(only(await template([]), 'PodDisruptionBudget')).toEqual([]);
    const [budget] = only(await template(['replicaCount=2']), 'PodDisruptionBudget');
    expect(budget?.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'pr-preview',
          'app.kubernetes.io/instance': 'pr-preview',
        },
      },
    });
    const [share] = only(
      await template(['replicaCount=4', 'podDisruptionBudget.maxUnavailable=50%']),
      'PodDisruptionBudget',
    );
    expect(share?.spec.maxUnavailable).toBe('50%');
    expect(
      only(
        await template(['replicaCount=4', 'podDisruptionBudget.enabled=false']),
        'PodDisruptionBudget',
      ),
    ).toEqual([]);
  });
});

describe("the chart's Ingress for webhooks", () => {
  it('is off by default, and on routes only /api/github/webhooks to port http', async () => {
    expect(only(await template([]), 'Ingress')).toEqual([]);
    const [ingress] = only(
      await template([
        'ingress.enabled=true',
        'ingress.host=pr-preview.bar.com',
        'ingress.className=haproxy-v1',
        'ingress.tlsSecret=pr-preview-tls',
      ]),
      'Ingress',
    );
    expect(ingress?.spec).toEqual({
      ingressClassName: 'haproxy-v1',
      tls: [{ hosts: ['pr-preview.bar.com'], secretName: 'pr-preview-tls' }],
      rules: [
        {
          host: 'pr-preview.bar.com',
          http: {
            paths: [
              {
                path: '/api/github/webhooks',
                pathType: 'Exact',
                backend: { service: { name: 'pr-preview', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    });
  });

  it('needs a host', async () => {
    const result = await helm(
      'template',
      'pr-preview',
      chartDir,
      ...setting([...requiredValues, 'ingress.enabled=true']),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingress.host is required with ingress.enabled');
  });
});

describe("the chart's NetworkPolicy for the app", () => {
  const policy = async (values: string[], ...args: string[]) =>
    only(await template(['networkPolicy.enabled=true', ...values], ...args), 'NetworkPolicy')[0]
      ?.spec;

  it('is off by default', async () => {
    expect(only(await template([]), 'NetworkPolicy')).toEqual([]);
  });

  it('lets in webhooks and scrapes on http and visitors on wake, from the ingress namespace and whom the operator names', async () => {
    const spec = await policy([
      'previews.ingressNamespace=haproxy',
      'networkPolicy.httpFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
    ]);
    const fromIngress = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'haproxy' } },
    };
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toEqual([
      {
        ports: [{ port: 'http', protocol: 'TCP' }],
        from: [
          fromIngress,
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
      { ports: [{ port: 'wake', protocol: 'TCP' }], from: [fromIngress] },
    ]);
    expect((await policy(['previews.sleep.enabled=false'])).ingress).toHaveLength(1);
  });

  it('lets out DNS to the DNS pods, the API server and GitHub on 443 but never link-local', async () => {
    const [dns, apiServer, github, ...rest] = (await policy([])).egress;
    expect(dns).toEqual({
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
    });
    // helm template cannot look the API server up: its ports, to any address.
    expect(apiServer).toEqual({
      ports: [
        { port: 443, protocol: 'TCP' },
        { port: 6443, protocol: 'TCP' },
      ],
    });
    expect(github).toEqual({
      ports: [{ port: 443, protocol: 'TCP' }],
      to: [
        { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } },
        { ipBlock: { cidr: '::/0', except: ['fe80::/10'] } },
      ],
    });
    expect(rest).toEqual([]);
  });

  it('names the API server by its endpoints where helm can look them up, or by the values', async () => {
    const cluster = await fakeApiServer({
      namespaces: ['kube-system', 'ingress'],
      apiServer: { addresses: ['172.18.0.2', '172.18.0.3'], port: 16443 },
    });
    try {
      const looked = (await policy([], '--dry-run=server', '--kubeconfig', cluster.kubeconfig))
        .egress[1];
      expect(looked).toEqual({
        ports: [443, 6443, 16443].map((port) => ({ port, protocol: 'TCP' })),
        to: [{ ipBlock: { cidr: '172.18.0.2/32' } }, { ipBlock: { cidr: '172.18.0.3/32' } }],
      });
    } finally {
      await cluster.stop();
    }
    const given = (await policy(['networkPolicy.apiServerCidrs={10.0.0.1/32}'])).egress[1];
    expect(given.to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
  });

  it("follows the app's settings: GitHub Enterprise's port, smoke checks, Redis, and extra rules", async () => {
    const egress = (
      await policy([
        'github.enterpriseHost=github.example.com:8443',
        'networkPolicy.githubCidrs={203.0.113.0/24}',
        'previews.ingressUrl=http://haproxy.ingress.svc',
        'redis.url=redis://redis.pr-preview.svc:6380/0',
        'previews.sleep.prometheusUrl=http://prometheus.monitoring:9090',
        'networkPolicy.extraEgress[0].ports[0].port=3128',
      ])
    ).egress;
    expect(egress.slice(2)).toEqual([
      { ports: [{ port: 8443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }],
      },
      { ports: [{ port: 6380, protocol: 'TCP' }] },
      { ports: [{ port: 9090, protocol: 'TCP' }] },
      { ports: [{ port: 3128 }] },
    ]);
    const https = (await policy(['previews.sleep.prometheusUrl=https://metrics.example.com/prom']))
      .egress;
    expect(https.at(-1)).toEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
  });
});

describe('the check of previews.ingressNamespace', () => {
  let cluster: Awaited<ReturnType<typeof fakeApiServer>>;

  beforeAll(async () => {
    cluster = await fakeApiServer({
      namespaces: ['kube-system', 'default', 'haproxy'],
      apiServer: { addresses: ['172.18.0.2'], port: 6443 },
    });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  const render = (namespace: string, ...args: string[]) =>
    helm(
      'template',
      'pr-preview',
      chartDir,
      ...setting([...requiredValues, `previews.ingressNamespace=${namespace}`]),
      ...args,
    );

  it('fails the render where helm reaches the cluster and the namespace is not there', async () => {
    const result = await render('ingress', '--dry-run=server', '--kubeconfig', cluster.kubeconfig);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'previews.ingressNamespace "ingress" does not exist in this cluster: it must be the namespace of the ingress controller',
    );
    expect(
      (await render('haproxy', '--dry-run=server', '--kubeconfig', cluster.kubeconfig)).code,
    ).toBe(0);
  });

  it('lets helm template, which cannot look, render', async () => {
    expect((await render('ingress')).code).toBe(0);
  });
});
