import type { KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { defaultGuardrails, refusedObjects } from '../../../src/deploy/guardrails/guardrails.ts';
import { withinSizeBound } from '../../../src/deploy/guardrails/size-rules.ts';

const clusterScoped = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'Namespace',
  'PersistentVolume',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'PriorityClass',
  'StorageClass',
]);
const known = new Set([
  ...clusterScoped,
  'ConfigMap',
  'Deployment',
  'RoleBinding',
  'Role',
  'Pod',
  'Service',
  'ResourceQuota',
  'Ingress',
  'Endpoints',
]);

function check(objects: KubernetesObject[]) {
  return refusedObjects({
    objects,
    namespace: 'foo-pr-1-fr',
    guardrails: defaultGuardrails,
    namespaced: (o) => (known.has(o.kind ?? '') ? !clusterScoped.has(o.kind ?? '') : undefined),
  });
}

const obj = (apiVersion: string, kind: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion, kind, metadata: { name: kind.toLowerCase() }, ...extra }) as KubernetesObject;

describe('refusedObjects', () => {
  it('lets the usual objects of an app through', () => {
    expect(
      check([obj('apps/v1', 'Deployment'), obj('v1', 'Service'), obj('v1', 'ConfigMap')]),
    ).toEqual([]);
  });

  it.each([
    [
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole'),
      'ClusterRole `clusterrole` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [
      obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'),
      'ClusterRoleBinding `clusterrolebinding` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
      'CustomResourceDefinition `customresourcedefinition` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [
      obj('v1', 'Namespace'),
      'Namespace `namespace` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [
      obj('v1', 'PersistentVolume'),
      'PersistentVolume `persistentvolume` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'),
      'ValidatingWebhookConfiguration `validatingwebhookconfiguration` is cluster-scoped; a preview may only create objects in its own namespace',
    ],
    [obj('v1', 'Pod'), "Pod `pod`: kind Pod is not on the app's list of allowed kinds"],
    [
      obj('v1', 'ResourceQuota'),
      "ResourceQuota `resourcequota`: kind ResourceQuota is not on the app's list of allowed kinds",
    ],
    [
      obj('example.com/v1', 'Widget'),
      'Widget `widget`: the cluster does not know kind Widget in example.com/v1',
    ],
    [
      { ...obj('v1', 'ConfigMap'), metadata: { name: 'x', namespace: 'kube-system' } },
      'ConfigMap `x` asks for namespace `kube-system`; a preview may only use its own namespace',
    ],
    [
      obj('v1', 'Endpoints'),
      "Endpoints `endpoints`: only the cluster's controllers write Endpoints in a preview",
    ],
  ])('refuses %j', (object, reason) => {
    expect(check([object])).toEqual([reason]);
  });

  it('refuses Endpoints even when the settings allow the kind', () => {
    const refusals = refusedObjects({
      objects: [obj('v1', 'Endpoints')],
      namespace: 'foo-pr-1-fr',
      guardrails: { ...defaultGuardrails, allowedKinds: ['Endpoints'] },
      namespaced: () => true,
    });
    expect(refusals).toEqual([
      "Endpoints `endpoints`: only the cluster's controllers write Endpoints in a preview",
    ]);
  });

  it('refuses a chart with more objects than the app allows, in one line', () => {
    const many = Array.from({ length: defaultGuardrails.maxObjects + 1 }, (_, i) => ({
      ...obj('v1', 'ConfigMap'),
      metadata: { name: `c${i}` },
    }));
    expect(check(many)).toEqual([
      `the chart renders ${defaultGuardrails.maxObjects + 1} objects; a preview may have at most ${defaultGuardrails.maxObjects}`,
    ]);
    expect(check(many.slice(1))).toEqual([]);
  });

  it("refuses objects that would replace the app's own, by kind and name", () => {
    const reserved = [obj('v1', 'ResourceQuota'), obj('rbac.authorization.k8s.io/v1', 'Role')];
    const refusals = refusedObjects({
      objects: [
        obj('v1', 'ResourceQuota'),
        obj('rbac.authorization.k8s.io/v1', 'Role'),
        obj('v1', 'ConfigMap'),
      ],
      namespace: 'foo-pr-1-fr',
      guardrails: {
        ...defaultGuardrails,
        allowedKinds: [...defaultGuardrails.allowedKinds, 'ResourceQuota'],
      },
      namespaced: () => true,
      reserved,
    });
    expect(refusals).toEqual([
      'ResourceQuota `resourcequota` has the name of an object the app puts into every preview',
      'Role `role` has the name of an object the app puts into every preview',
    ]);
  });

  it('lists every refused object, not only the first', () => {
    expect(
      check([obj('v1', 'Namespace'), obj('apps/v1', 'Deployment'), obj('v1', 'Pod')]),
    ).toHaveLength(2);
  });
});

describe('withinSizeBound', () => {
  it('accepts an ordinary document', () => {
    expect(withinSizeBound({ a: [1, 2, { b: 'c' }] })).toBe(true);
  });

  it('refuses an alias bomb, which js-yaml loads as shared references', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
      .concat(
        Array.from({ length: 8 }, (_, i) => {
          const from = String.fromCharCode(97 + i);
          const to = String.fromCharCode(98 + i);
          return `${to}: &${to} [${Array(10).fill(`*${from}`).join(',')}]`;
        }),
      )
      .join('\n');
    expect(withinSizeBound(yaml.load(bomb))).toBe(false);
  });
});
