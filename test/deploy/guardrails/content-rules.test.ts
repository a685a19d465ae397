import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { defaultGuardrails, refusedContent } from '../../../src/deploy/guardrails/guardrails.ts';

const namespace = 'foo-pr-1-fr';
const host = 'foo-1-fr.preview.bar.com';

function check(object: Record<string, unknown>, guardrails = defaultGuardrails): string[] {
  return refusedContent({
    objects: [{ metadata: { name: 'x' }, ...object } as KubernetesObject],
    namespace,
    host,
    guardrails,
  });
}

const pod = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  spec: { template: { spec: { containers: [{ name: 'c', image: 'c' }], ...spec } } },
});
const ingress = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'x', ...(annotations ? { annotations } : {}) },
  spec: { ingressClassName: 'haproxy-v1', ...spec },
});
const route = (
  ruleHost?: string,
  backend: Record<string, unknown> = { service: { name: 'web' } },
) => ({
  ...(ruleHost ? { host: ruleHost } : {}),
  http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
});
const policy = (spec: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  spec: { podSelector: {}, ...spec },
});
const rbac = 'rbac.authorization.k8s.io/v1';

describe('refusedContent: what a chart may say, as the admission policies keep it', () => {
  it.each([
    ['a Deployment on any node', pod({ nodeSelector: { 'kubernetes.io/os': 'linux' } })],
    [
      'the tolerations every pod gets',
      pod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }),
    ],
    [
      'pod anti-affinity',
      pod({
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      }),
    ],
    ['a ClusterIP Service', { apiVersion: 'v1', kind: 'Service', spec: { type: 'ClusterIP' } }],
    [
      'a Service with ordinary annotations',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x', annotations: { 'prometheus.io/scrape': 'true' } },
      },
    ],
    [
      'an Ingress for the preview host',
      ingress(
        { rules: [route(host)], tls: [{ hosts: [host], secretName: 't' }] },
        { 'haproxy.org/timeout-server': '30s', 'pr-preview.dev/sha': 'abc' },
      ),
    ],
    [
      'a NetworkPolicy between its own pods',
      policy({
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
        egress: [{ to: [{ podSelector: {} }], ports: [{ port: 5432 }] }],
      }),
    ],
    ['a NetworkPolicy that only closes', policy({ policyTypes: ['Ingress'] })],
    [
      'a RoleBinding of its own ServiceAccount to its own Role',
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        roleRef: { kind: 'Role', name: 'r' },
        subjects: [
          { kind: 'ServiceAccount', name: 'app' },
          { kind: 'ServiceAccount', name: 'db', namespace },
        ],
      },
    ],
    [
      'a RoleBinding to view',
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [],
      },
    ],
    [
      'an operator Role over Services, Secrets and Ingresses',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [
          {
            apiGroups: ['', 'networking.k8s.io'],
            resources: ['services', 'secrets', 'ingresses'],
            verbs: ['*'],
          },
        ],
      },
    ],
    [
      'a Role that reads quotas',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: [''], resources: ['resourcequotas'], verbs: ['get', 'list'] }],
      },
    ],
    [
      'a claim without a class',
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        spec: { resources: { requests: { storage: '1Gi' } } },
      },
    ],
    ['a small ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x'.repeat(1000) } }],
  ])('lets %s through', (_what, object) => {
    expect(check(object)).toEqual([]);
  });

  it.each([
    [
      'tolerating every taint',
      pod({ tolerations: [{ operator: 'Exists' }] }),
      'Deployment `x` tolerates every taint; previews may tolerate none (PREVIEW_TOLERATIONS)',
    ],
    [
      'the control plane by selector',
      pod({ nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } }),
      'Deployment `x` selects nodes by `node-role.kubernetes.io/control-plane`; previews may select by `kubernetes.io/os`, `kubernetes.io/arch` (PREVIEW_NODE_SELECTOR_KEYS)',
    ],
    [
      'the control plane by affinity',
      pod({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' },
                  ],
                },
              ],
            },
          },
        },
      }),
      'Deployment `x` selects nodes by `node-role.kubernetes.io/control-plane`',
    ],
    [
      'a node by field',
      pod({
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 1,
                preference: {
                  matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }],
                },
              },
            ],
          },
        },
      }),
      'Deployment `x` has node affinity by field',
    ],
    [
      'a node by name',
      pod({ nodeName: 'admin-1' }),
      'Deployment `x` names its node (`nodeName: admin-1`)',
    ],
    [
      'a critical priority',
      pod({ priorityClassName: 'system-cluster-critical' }),
      'Deployment `x` asks for priority class `system-cluster-critical`; previews may use none (PREVIEW_PRIORITY_CLASSES)',
    ],
    [
      'another runtime',
      pod({ runtimeClassName: 'unsandboxed' }),
      'Deployment `x` asks for runtime class `unsandboxed`',
    ],
    [
      'the app reader',
      pod({ serviceAccountName: 'pr-preview-lookup' }),
      "Deployment `x` runs as the app's reader `pr-preview-lookup`",
    ],
    [
      'an ExternalName Service',
      {
        apiVersion: 'v1',
        kind: 'Service',
        spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' },
      },
      'Service `x` is an ExternalName Service',
    ],
    [
      'externalIPs',
      { apiVersion: 'v1', kind: 'Service', spec: { externalIPs: ['10.0.0.1'] } },
      'Service `x` sets externalIPs, which would capture traffic meant for those addresses',
    ],
    [
      'a controller snippet on a Service',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x', annotations: { 'haproxy.org/backend-config-snippet': 'x' } },
      },
      'Service `x` carries `haproxy.org/backend-config-snippet`, which would configure the shared ingress controller',
    ],
    [
      'another host',
      ingress({ rules: [route('login.preview.bar.com')] }),
      'Ingress `x` answers for `login.preview.bar.com`; a preview answers for its own host `foo-1-fr.preview.bar.com` only',
    ],
    ['every host', ingress({ rules: [route()] }), 'Ingress `x` answers for every host'],
    [
      'another TLS host',
      ingress({ rules: [route(host)], tls: [{ hosts: ['shop.bar.com'] }] }),
      'Ingress `x` answers for `shop.bar.com`',
    ],
    [
      'only a default backend',
      ingress({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } }),
      'Ingress `x` sets a default backend, which would catch every host no other Ingress claims',
    ],
    [
      'a resource backend',
      ingress({ rules: [route(host, { resource: { kind: 'Bucket', name: 'b' } })] }),
      'Ingress `x` routes to a resource backend',
    ],
    [
      "production's class",
      {
        ...ingress({ rules: [route(host)] }),
        spec: { ingressClassName: 'nginx-production', rules: [route(host)] },
      },
      'Ingress `x` is on class `nginx-production`; previews may use `haproxy-v1` (PREVIEW_INGRESS_CLASSES)',
    ],
    [
      'no class at all',
      { ...ingress({}), spec: { rules: [route(host)] } },
      'Ingress `x` is on class `(the cluster default)`',
    ],
    [
      'annotations off the list',
      ingress(
        { rules: [route(host)] },
        {
          'haproxy.org/server-alias': 'shop.bar.com',
          'haproxy.org/route-acl': 'x',
          'nginx.ingress.kubernetes.io/auth-url': 'x',
          'nginx.ingress.kubernetes.io/mirror-target': 'x',
        },
      ),
      'Ingress `x` carries `haproxy.org/server-alias`, `haproxy.org/route-acl`, `nginx.ingress.kubernetes.io/auth-url`, `nginx.ingress.kubernetes.io/mirror-target`, not on the platform',
    ],
    [
      'a NetworkPolicy that opens all egress',
      policy({ egress: [{}] }),
      'NetworkPolicy `x` opens egress traffic beyond the preview',
    ],
    [
      'a NetworkPolicy that lets another namespace in',
      policy({ ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      'NetworkPolicy `x` opens ingress traffic beyond the preview',
    ],
    [
      'a NetworkPolicy to the cloud metadata',
      policy({ egress: [{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }] }] }),
      'NetworkPolicy `x` opens egress traffic beyond the preview',
    ],
    [
      'DNS anywhere',
      policy({ egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }),
      'NetworkPolicy `x` opens egress traffic beyond the preview',
    ],
    [
      'a RoleBinding to every ServiceAccount',
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        roleRef: { kind: 'Role', name: 'r' },
        subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }],
      },
      'RoleBinding `x` names Group `system:serviceaccounts`',
    ],
    [
      "a RoleBinding to kube-system's default",
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        roleRef: { kind: 'Role', name: 'r' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }],
      },
      'RoleBinding `x` names ServiceAccount `kube-system/default`',
    ],
    [
      'a RoleBinding to cluster-admin',
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [],
      },
      'RoleBinding `x` binds ClusterRole `cluster-admin`',
    ],
    [
      'a Role on everything',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
      'Role `x` grants escalate, bind or impersonate',
    ],
    [
      'a Role that escalates',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: [rbac.split('/')[0]], resources: ['roles'], verbs: ['escalate'] }],
      },
      'Role `x` grants escalate, bind or impersonate',
    ],
    [
      'a Role over the quota',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: [''], resources: ['resourcequotas'], verbs: ['delete'] }],
      },
      "Role `x` grants rights over the app's objects",
    ],
    [
      "a Role over its own Namespace (the preview's record)",
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'] }],
      },
      "Role `x` grants rights over the app's objects: quotas, limits, the namespace itself",
    ],
    [
      "a Role over the quota's status, which sets what it counts as used",
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: [''], resources: ['resourcequotas/status'], verbs: ['update'] }],
      },
      "Role `x` grants rights over the app's objects",
    ],
    [
      'a Role over every status',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [{ apiGroups: ['*'], resources: ['*/status'], verbs: ['patch'] }],
      },
      "Role `x` grants rights over the app's objects",
    ],
    [
      'a Role naming the isolation policy',
      {
        apiVersion: rbac,
        kind: 'Role',
        rules: [
          {
            apiGroups: ['networking.k8s.io'],
            resources: ['networkpolicies'],
            resourceNames: ['pr-preview-isolation'],
            verbs: ['patch'],
          },
        ],
      },
      "Role `x` grants rights over the app's objects",
    ],
    [
      'a 50Ti claim on a fast class',
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        spec: { storageClassName: 'fast', resources: { requests: { storage: '50Ti' } } },
      },
      'PersistentVolumeClaim `x` asks for storage class `fast`; previews may use only the cluster default (PREVIEW_STORAGE_CLASSES)',
    ],
    [
      "another preview's volume",
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeName: 'pvc-1234' } },
      'PersistentVolumeClaim `x` names the volume `pvc-1234`',
    ],
    [
      'a big ConfigMap',
      { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x'.repeat(200 * 1024) } },
      "ConfigMap `x` holds 200 KiB of data; a preview's ConfigMaps and Secrets hold at most 128 KiB each (PREVIEW_MAX_DATA_BYTES)",
    ],
    [
      'a big Secret, counted decoded',
      {
        apiVersion: 'v1',
        kind: 'Secret',
        data: { a: Buffer.alloc(150 * 1024).toString('base64') },
      },
      'Secret `x` holds 150 KiB of data',
    ],
  ])('refuses %s', (_what, object, refusal) => {
    expect(check(object).join('\n')).toContain(refusal);
  });

  it('allows what the platform lists', () => {
    const guardrails = {
      ...defaultGuardrails,
      placement: {
        tolerations: ['dedicated'],
        nodeSelectorKeys: ['pool'],
        priorityClasses: ['preview-low'],
        runtimeClasses: ['gvisor'],
      },
      storageClasses: ['fast'],
      ingress: { ...defaultGuardrails.ingress, classes: ['haproxy-v1', 'haproxy-v2'] },
    };
    for (const object of [
      pod({
        tolerations: [{ key: 'dedicated', value: 'previews', effect: 'NoSchedule' }],
        nodeSelector: { pool: 'previews' },
        priorityClassName: 'preview-low',
        runtimeClassName: 'gvisor',
      }),
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { storageClassName: 'fast' } },
      { ...ingress({}), spec: { ingressClassName: 'haproxy-v2', rules: [route(host)] } },
    ]) {
      expect(check(object, guardrails)).toEqual([]);
    }
  });

  it('bounds a whole render, so that the caps times the bound fit in etcd', () => {
    const configMaps = Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `c${i}` },
      data: { a: 'x'.repeat(120 * 1024) },
    })) as KubernetesObject[];
    expect(
      refusedContent({ objects: configMaps, namespace, host, guardrails: defaultGuardrails }),
    ).toEqual([
      'the chart renders 2.3 MiB of objects; a preview may have at most 2 MiB (PREVIEW_MAX_PREVIEW_BYTES)',
    ]);
  });

  it('names every problem of one object', () => {
    expect(
      check(pod({ nodeName: 'n', priorityClassName: 'p', tolerations: [{ operator: 'Exists' }] })),
    ).toHaveLength(3);
  });
});
