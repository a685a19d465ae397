import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { offlineFacts } from '../../src/cli/offline-facts.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { factsFrom } from '../../src/deploy/kubernetes-discovery.ts';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { defaultNamespacePolicy } from '../../src/deploy/namespace-policies.ts';
import { parseManifests } from '../../src/deploy/prepare-objects.ts';
import { checkRelease, needsFreshFacts } from '../../src/deploy/check-release.ts';
import { buildTargets } from '../../src/plan/targets.ts';
import type { ClusterFacts } from '../../src/ports.ts';
import { previewFences } from '../support/preview-fences.ts';

const config = parseConfig({ tenants: ['fr'], rolloutTimeout: '2m' }, 'foo');
if (!config.ok) throw new Error('config');
const built = buildTargets({
  pr: { owner: 'acme', repo: 'foo', repositoryId: 1, installationId: 2, number: 7 },
  config: config.config,
  domain: 'preview.bar.com',
  sha: 'a'.repeat(40),
  tenants: ['fr'],
  origin: 'label',
});
if (!built.ok) throw new Error('targets');
const target = built.targets[0]!;

/** A cluster that serves the built-in kinds used here and, when asked, ServiceMonitors. */
function cluster(withMonitoring = false): ClusterFacts {
  const resources = (kinds: [string, 'Namespaced' | 'Cluster'][]) =>
    kinds.map(([kind, scope]) => ({ resource: kind.toLowerCase(), responseKind: { kind }, scope }));
  return factsFrom({
    kubeVersion: 'v1.37.2',
    groups: [
      {
        items: [
          {
            metadata: { name: '' },
            versions: [
              {
                version: 'v1',
                resources: resources([
                  ['ConfigMap', 'Namespaced'],
                  ['Secret', 'Namespaced'],
                  ['Service', 'Namespaced'],
                  ['ServiceAccount', 'Namespaced'],
                  ['Namespace', 'Cluster'],
                ]),
              },
            ],
          },
          {
            metadata: { name: 'batch' },
            versions: [{ version: 'v1', resources: resources([['Job', 'Namespaced']]) }],
          },
          {
            metadata: { name: 'apps' },
            versions: [{ version: 'v1', resources: resources([['Deployment', 'Namespaced']]) }],
          },
          ...(withMonitoring
            ? [
                {
                  metadata: { name: 'monitoring.coreos.com' },
                  versions: [
                    { version: 'v1', resources: resources([['ServiceMonitor', 'Namespaced']]) },
                  ],
                },
              ]
            : []),
        ],
      },
    ],
  });
}

const chart = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: servicemonitors.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  names: { kind: ServiceMonitor, plural: servicemonitors }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true }]
---
apiVersion: v1
kind: Service
metadata: { name: foo-service }
spec: { type: LoadBalancer, ports: [{ name: nginx, port: 80, nodePort: 30080 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: foo }
spec: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: migrate-credentials
  annotations: { helm.sh/hook: pre-install, helm.sh/hook-weight: "-1" }
stringData: { password: hunter2-generated }
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: { helm.sh/hook: "pre-install,pre-upgrade", helm.sh/hook-delete-policy: hook-succeeded }
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: warm-cache
  annotations: { helm.sh/hook: "post-install,post-upgrade" }
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: drain
  annotations: { helm.sh/hook: pre-delete }
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: goodbye
  annotations: { helm.sh/hook: post-delete }
spec: {}
`;

/** The Service the app's Ingress routes to: `<app>-service`, port `nginx`. */
const service =
  'apiVersion: v1\nkind: Service\nmetadata: { name: foo-service }\nspec: { ports: [{ name: nginx, port: 80 }] }\n';

function check(facts: ClusterFacts, action: 'install' | 'upgrade' = 'install', text = chart) {
  return checkRelease({
    objects: parseManifests(text),
    target,
    config: config.ok ? config.config : (undefined as never),
    facts,
    action,
    guardrails: defaultGuardrails,
    namespacePolicy: defaultNamespacePolicy,
    secrets: [],
  });
}

/** A release checked under another `.github/preview.yml`. */
function checkWith(yaml: string) {
  const other = parseConfig(load(yaml), 'foo');
  if (!other.ok) throw new Error(other.problems.join('; '));
  return checkRelease({
    objects: parseManifests(
      `${service}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n`,
    ),
    target,
    config: other.config,
    facts: cluster(),
    action: 'install',
    guardrails: defaultGuardrails,
    namespacePolicy: defaultNamespacePolicy,
    secrets: [],
  });
}

const named = (objects: { kind?: string; metadata?: { name?: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata?.name}`);

describe('checkRelease', () => {
  it("refuses a chart without an Ingress whose Services the app's Ingress cannot route to, naming them", () => {
    expect(() =>
      check(cluster(), 'install', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n'),
    ).toThrow(
      "the chart renders no Service and no Ingress, so the preview's host has nothing to route to",
    );
    expect(() =>
      check(
        cluster(),
        'install',
        'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [{ name: http, port: 80 }] }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: db }\nspec: { ports: [{ port: 5432 }] }\n',
      ),
    ).toThrow('the chart renders several Services (`web`, `db`) and no Ingress');
  });

  it('refuses a chart whose CRDs the cluster does not serve, naming each, before anything else', () => {
    expect(() => check(cluster(false))).toThrow(
      'the chart needs CustomResourceDefinitions that the cluster does not have; nothing was applied:\n- `servicemonitors.monitoring.coreos.com` (monitoring.coreos.com/v1 ServiceMonitor)\nPreviews never install CRDs, which the whole cluster shares: the platform team installs them.',
    );
  });

  it('splits an install into fences, the release, hooks by moment and the pre-delete hooks to keep', () => {
    const release = check(cluster(true));
    expect(named(release.objects)).toEqual([
      ...previewFences,
      'Service/foo-service',
      'Deployment/foo',
      'Ingress/foo-preview',
    ]);
    expect(release.hooks.pre.event).toBe('pre-install');
    expect(named(release.hooks.pre.hooks.map((h) => h.object))).toEqual([
      'Secret/migrate-credentials',
      'Job/migrate',
    ]);
    expect(release.hooks.post.event).toBe('post-install');
    expect(named(release.hooks.post.hooks.map((h) => h.object))).toEqual(['Job/warm-cache']);
    expect(named(release.hooks.preDelete.hooks.map((h) => h.object))).toEqual(['Job/drain']);
    expect(named(release.neverRun.map((h) => h.object))).toEqual(['Job/goodbye']);
    expect(named(release.crds)).toEqual([
      'CustomResourceDefinition/servicemonitors.monitoring.coreos.com',
    ]);
    // Hooks live in the preview namespace, with its labels, like everything else.
    for (const hook of release.hooks.pre.hooks) {
      expect(hook.object.metadata?.namespace).toBe('foo-pr-7-fr');
      expect(hook.object.metadata?.labels).toMatchObject(target.labels);
    }
    expect(release.notes).toEqual(['Service `foo-service` made ClusterIP (was LoadBalancer)']);
    expect(release.secretValues).toContain(Buffer.from('hunter2-generated').toString('base64'));
    // Kept by the app in its own namespace, never in the preview's.
    expect(release.preDeleteRecord.timeoutMs).toBe(120_000);
    expect(release.preDeleteRecord.hooks.map((h) => h.object.metadata?.name)).toEqual(['drain']);
  });

  it('runs upgrade hooks on an upgrade', () => {
    const release = check(cluster(true), 'upgrade');
    expect(release.hooks.pre.event).toBe('pre-upgrade');
    expect(named(release.hooks.pre.hooks.map((h) => h.object))).toEqual(['Job/migrate']);
    expect(named(release.hooks.post.hooks.map((h) => h.object))).toEqual(['Job/warm-cache']);
  });

  it('keeps no hooks when the chart has no pre-delete hook', () => {
    const release = check(
      cluster(),
      'install',
      `${service}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n`,
    );
    expect(release.preDeleteRecord.hooks).toEqual([]);
  });

  it('checks hooks with the guardrails too, but not hooks that never run', () => {
    expect(() =>
      check(
        cluster(),
        'install',
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: evil, annotations: { helm.sh/hook: pre-install } }\n',
      ),
    ).toThrow('- Namespace `evil` is cluster-scoped');
    expect(
      check(
        cluster(),
        'install',
        `${service}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: never, annotations: { helm.sh/hook: test } }\n`,
      ).neverRun,
    ).toHaveLength(1);
  });

  it("refuses a chart object that would replace the app's own", () => {
    expect(() =>
      check(
        cluster(),
        'install',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: pr-preview-app }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }\n',
      ),
    ).toThrow(
      '- RoleBinding `pr-preview-app` has the name of an object the app puts into every preview',
    );
  });

  it("refuses, with the chart's own words, what .github/preview.yml asks of the shared controller", () => {
    expect(() =>
      checkWith(
        'app: foo\ningress:\n  className: nginx-production\n  annotations: { haproxy.org/backend-config-snippet: x }\n',
      ),
    ).toThrow(
      [
        '- .github/preview.yml sets `ingress.className: nginx-production`; previews may use `haproxy-v1` (PREVIEW_INGRESS_CLASSES)',
        "- .github/preview.yml sets `ingress.annotations` `haproxy.org/backend-config-snippet`, not on the platform's list (PREVIEW_INGRESS_ANNOTATIONS)",
      ].join('\n'),
    );
  });

  it('does not check CRDs without a cluster, as a local render cannot', () => {
    expect(check(offlineFacts({})).crds).toHaveLength(1);
  });
});

describe('needsFreshFacts', () => {
  it('asks again when the render has a kind or CRD the facts do not know', () => {
    expect(needsFreshFacts(parseManifests(chart), cluster(false))).toBe(true);
    expect(needsFreshFacts(parseManifests(chart), cluster(true))).toBe(false);
    expect(
      needsFreshFacts(
        parseManifests('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n'),
        cluster(true),
      ),
    ).toBe(true);
  });
});
