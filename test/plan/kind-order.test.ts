import { describe, expect, it } from 'vitest';
import { installBatches } from '../../src/plan/kind-order.ts';

const named = (kind: string, name = kind) => ({ kind, name });
const batchesOf = (objects: { kind: string; name: string }[]) =>
  installBatches(objects).map((batch) => batch.map((o) => o.name));

describe('installBatches', () => {
  it.each([
    { what: 'nothing', objects: [], batches: [] },
    {
      what: 'objects of one kind together',
      objects: [named('ConfigMap', 'a'), named('ConfigMap', 'b')],
      batches: [['a', 'b']],
    },
    {
      what: "a workload after its pods' inputs, an Ingress beside it",
      objects: ['ConfigMap', 'Service', 'Deployment', 'Ingress'].map((kind) => named(kind)),
      batches: [
        ['ConfigMap', 'Service'],
        ['Deployment', 'Ingress'],
      ],
    },
    {
      what: 'a token Secret after its ServiceAccount (the token controller deletes an orphan)',
      objects: ['ServiceAccount', 'Secret', 'ConfigMap'].map((kind) => named(kind)),
      batches: [['ServiceAccount'], ['Secret', 'ConfigMap']],
    },
    {
      what: 'a binding after its role (else refused as an escalation)',
      objects: ['Role', 'RoleBinding', 'Service'].map((kind) => named(kind)),
      batches: [['Role'], ['RoleBinding', 'Service']],
    },
    {
      what: 'a claim after its class',
      objects: ['StorageClass', 'PersistentVolumeClaim', 'StatefulSet'].map((kind) => named(kind)),
      batches: [['StorageClass'], ['PersistentVolumeClaim'], ['StatefulSet']],
    },
    {
      what: 'an autoscaler after its target',
      objects: ['Deployment', 'HorizontalPodAutoscaler', 'Ingress'].map((kind) => named(kind)),
      batches: [['Deployment'], ['HorizontalPodAutoscaler', 'Ingress']],
    },
    {
      what: 'everything after a policy that shapes its admission',
      objects: ['LimitRange', 'ConfigMap', 'Service'].map((kind) => named(kind)),
      batches: [['LimitRange'], ['ConfigMap', 'Service']],
    },
    {
      what: 'custom resources, kind by kind, after everything helm lists',
      objects: [
        named('Ingress'),
        named('Certificate', 'c1'),
        named('Certificate', 'c2'),
        named('Issuer'),
      ],
      batches: [['Ingress'], ['c1', 'c2'], ['Issuer']],
    },
    {
      what: 'a kind that needs nothing joins whatever is open',
      objects: [named('Secret', 's'), named('ConfigMap', 'a'), named('Secret', 't')],
      batches: [['s', 'a', 't']],
    },
  ])('$what', ({ objects, batches }) => {
    expect(batchesOf(objects)).toEqual(batches);
  });

  it('keeps what each kind of a broad release needs in an earlier batch', () => {
    // What helm would have created before each kind, by its order, where the kind needs it.
    const kinds = [
      'Namespace',
      'NetworkPolicy',
      'ServiceAccount',
      'Secret',
      'ConfigMap',
      'StorageClass',
      'PersistentVolumeClaim',
      'Role',
      'RoleBinding',
      'Service',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Job',
      'IngressClass',
      'Ingress',
    ];
    const batches = installBatches(kinds.map((kind) => named(kind)));
    const batchOf = (kind: string) => batches.findIndex((b) => b.some((o) => o.kind === kind));
    const mustPrecede: [string, string][] = [
      ['Namespace', 'ConfigMap'],
      ['NetworkPolicy', 'Deployment'],
      ['ServiceAccount', 'Secret'],
      ['ServiceAccount', 'Deployment'],
      ['Secret', 'Deployment'],
      ['ConfigMap', 'Job'],
      ['StorageClass', 'PersistentVolumeClaim'],
      ['PersistentVolumeClaim', 'Deployment'],
      ['Role', 'RoleBinding'],
      ['RoleBinding', 'Deployment'],
      ['Service', 'Deployment'],
      ['Service', 'Ingress'],
      ['Deployment', 'HorizontalPodAutoscaler'],
      ['IngressClass', 'Ingress'],
    ];
    for (const [first, then] of mustPrecede) {
      expect(batchOf(first), `${first} before ${then}`).toBeLessThan(batchOf(then));
    }
    // And fewer round trips than helm's one batch per kind.
    expect(batches.length).toBeLessThan(kinds.length);
  });
});
