import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { parseManifests, prepareObjects } from '../../src/deploy/prepare-objects.ts';
import { buildTargets } from '../../src/plan/targets.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 99, installationId: 7, number: 241 };

function setup(raw: unknown = { tenants: ['fr'] }) {
  const config = parseConfig(raw, 'foo');
  if (!config.ok) throw new Error(config.problems.join());
  const built = buildTargets({
    pr,
    config: config.config,
    domain: 'preview.bar.com',
    sha: 'abc',
    tenants: [config.config.tenants[0] ?? null],
    origin: 'label',
  });
  if (!built.ok) throw new Error(built.problems.join());
  return { config: config.config, target: built.targets[0]! };
}

const deployment = `
---
# Source: foo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: foo
  labels: { app: foo }
spec: {}
---
`;

describe('parseManifests', () => {
  it('skips empty documents and flattens lists', () => {
    const objects = parseManifests(
      `${deployment}\napiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n`,
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Deployment/foo',
      'ConfigMap/a',
    ]);
  });

  it('refuses objects without a name', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n')).toThrow(
      /lacks apiVersion, kind or metadata.name/,
    );
  });

  it('refuses an alias bomb', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 7; i++) {
      const from = String.fromCharCode(97 + i);
      const to = String.fromCharCode(98 + i);
      levels.push(`${to}: &${to} [${Array(10).fill(`*${from}`).join(', ')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    expect(() => parseManifests(bomb)).toThrow(/too large once its aliases are expanded/);
  });

  it('refuses YAML that does not parse', () => {
    expect(() => parseManifests('a: [')).toThrow(/cannot be parsed/);
  });
});

describe('prepareObjects', () => {
  it('stamps namespace, labels and annotations, and adds an Ingress with the class field', () => {
    const { config, target } = setup();
    const [dep, ingress] = prepareObjects({
      objects: parseManifests(deployment),
      target,
      ingress: config.ingress,
      backend: { service: 'foo-service', port: { name: 'nginx' } },
    }).objects;
    expect(dep?.metadata).toEqual({
      name: 'foo',
      namespace: 'foo-pr-241-fr',
      labels: { app: 'foo', ...target.labels },
      annotations: target.annotations,
    });
    expect(ingress).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'foo-preview',
        namespace: 'foo-pr-241-fr',
        labels: target.labels,
        annotations: target.annotations,
      },
      spec: {
        ingressClassName: 'haproxy-v1',
        rules: [
          {
            host: 'foo-241-fr.preview.bar.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'foo-service', port: { name: 'nginx' } } },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it('writes the class as the legacy annotation only when asked, never both', () => {
    const { config, target } = setup({
      tenants: ['fr'],
      ingress: {
        classAnnotation: true,
        port: 80,
        annotations: { 'haproxy.org/ssl-redirect': 'true' },
        tlsSecret: 'wild',
      },
    });
    const ingress = prepareObjects({
      objects: [],
      target,
      ingress: config.ingress,
      backend: { service: 'foo-service', port: { number: 80 } },
    }).objects[0] as Record<string, any>;
    expect(ingress.metadata.annotations).toMatchObject({
      'kubernetes.io/ingress.class': 'haproxy-v1',
      'haproxy.org/ssl-redirect': 'true',
    });
    expect(ingress.spec.ingressClassName).toBeUndefined();
    expect(ingress.spec.rules[0].http.paths[0].backend.service.port).toEqual({ number: 80 });
    expect(ingress.spec.tls).toEqual([
      { hosts: ['foo-241-fr.preview.bar.com'], secretName: 'wild' },
    ]);
  });

  it("puts the chart's own Ingress on the configured class, whatever the chart asked for", () => {
    const { config, target } = setup({ tenants: ['fr'], ingress: { classAnnotation: true } });
    const chartIngress = parseManifests(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web }
spec:
  ingressClassName: haproxy-production
  rules: [{ host: www.bar.com }]
`);
    const [ingress] = prepareObjects({
      objects: chartIngress,
      target,
      ingress: config.ingress,
    }).objects as Record<string, any>[];
    expect(ingress!.spec.ingressClassName).toBeUndefined();
    expect(ingress!.metadata.annotations['kubernetes.io/ingress.class']).toBe('haproxy-v1');
  });

  it("points the chart's own Ingress at the preview host and adds none", () => {
    const { config, target } = setup();
    const chartIngress = parseManifests(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web }
spec:
  rules:
    - host: www.bar.com
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: foo-service, port: { name: nginx } } } }] }
  tls: [{ hosts: [www.bar.com], secretName: x }]
`);
    const prepared = prepareObjects({
      objects: chartIngress,
      target,
      ingress: config.ingress,
      backend: { service: 'foo-service', port: { name: 'nginx' } },
    }).objects as Record<string, any>[];
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.spec.rules[0].host).toBe('foo-241-fr.preview.bar.com');
    expect(prepared[0]!.spec.tls[0].hosts).toEqual(['foo-241-fr.preview.bar.com']);
    expect(prepared[0]!.spec.ingressClassName).toBe('haproxy-v1');
  });

  it('makes NodePort and LoadBalancer Services ClusterIP, drops what only they may carry, and says so', () => {
    const { config, target } = setup();
    const services = parseManifests(`apiVersion: v1
kind: Service
metadata: { name: wordpress }
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  loadBalancerSourceRanges: [10.0.0.0/8]
  loadBalancerIP: 1.2.3.4
  ports: [{ name: http, port: 80, targetPort: http, nodePort: 30080 }]
  selector: { app: wordpress }
---
apiVersion: v1
kind: Service
metadata: { name: admin }
spec: { type: NodePort, ports: [{ port: 81, nodePort: 30081 }] }
---
apiVersion: v1
kind: Service
metadata: { name: internal }
spec: { type: ClusterIP, ports: [{ port: 82 }] }
`);
    const { objects, notes } = prepareObjects({
      objects: services,
      target,
      ingress: config.ingress,
    });
    expect(objects.map((o) => (o as Record<string, any>).spec)).toEqual([
      {
        type: 'ClusterIP',
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        selector: { app: 'wordpress' },
      },
      { type: 'ClusterIP', ports: [{ port: 81 }] },
      { type: 'ClusterIP', ports: [{ port: 82 }] },
    ]);
    expect(notes).toEqual([
      'Service `wordpress` made ClusterIP (was LoadBalancer)',
      'Service `admin` made ClusterIP (was NodePort)',
    ]);
  });

  it('does not change the objects it was given', () => {
    const { config, target } = setup();
    const objects = parseManifests(deployment);
    prepareObjects({ objects, target, ingress: config.ingress });
    expect(objects[0]?.metadata?.namespace).toBeUndefined();
  });
});
