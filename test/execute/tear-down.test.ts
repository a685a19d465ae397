import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { tearDown } from '../../src/execute/tear-down.ts';
import type { PreviewTarget } from '../../src/plan/types.ts';
import type { ObjectRef, RolloutResult } from '../../src/ports.ts';
import { FakeClaims, FakeCluster, FakeRecords, silentLogger } from '../support/fake-ports.ts';

const drain = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'drain', namespace: 'foo-pr-7' },
  spec: { template: { spec: { containers: [{ name: 'drain', image: 'drain:1' }] } } },
} as KubernetesObject;

/** A cluster whose hooks end as told, and which says what ran where. */
class ClusterWithHooks extends FakeCluster {
  readonly ran: string[] = [];
  hookResult: RolloutResult = { ready: true };

  override async restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    this.ran.push(`${namespace}: replicas back`);
    return super.restoreReplicas(namespace);
  }

  override async apply(objects: KubernetesObject[], options: { dryRun: boolean }) {
    for (const object of objects) {
      this.ran.push(
        `applied ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`,
      );
    }
    return super.apply(objects, options);
  }

  override async waitForCompletion(namespace: string, ref: ObjectRef): Promise<RolloutResult> {
    this.ran.push(`${namespace}/${ref.name}`);
    return this.hookResult;
  }
}

const preview = (namespace: string, terminating = false) => ({
  namespace,
  terminating,
  host: 'foo-7.preview.bar.com',
});

function world(hook: KubernetesObject = drain) {
  const cluster = new ClusterWithHooks();
  cluster.namespaces.set('foo-pr-7', { target: {} as PreviewTarget, objects: [] });
  const records = new FakeRecords();
  records.hookRecords.set('foo-pr-7', {
    timeoutMs: 60_000,
    hooks: [{ object: hook, events: ['pre-delete'], weight: 0, deletePolicies: [] }],
  });
  const claims = new FakeClaims();
  const deps = { cluster, records, claims, guardrails: defaultGuardrails, logger: silentLogger };
  return { cluster, records, deps };
}

describe('tearDown', () => {
  it('runs the pre-delete hooks the app recorded, then deletes the namespaces and the records', async () => {
    const { cluster, records, deps } = world();
    const problems = await tearDown(deps, [preview('foo-pr-7')]);
    expect(cluster.ran).toEqual(['applied Job foo-pr-7/drain', 'foo-pr-7/drain']);
    expect(problems.size).toBe(0);
    expect(cluster.deleted).toEqual(['foo-pr-7']);
    expect(await records.previews()).toEqual([]);
  });

  it('reports a failed hook and deletes the namespace all the same', async () => {
    const { cluster, deps } = world();
    cluster.hookResult = {
      ready: false,
      reasons: ['BackoffLimitExceeded: Job has reached the specified backoff limit'],
    };
    const problems = await tearDown(deps, [preview('foo-pr-7')]);
    expect(problems.get('foo-pr-7')).toBe(
      'pre-delete hook Job `drain` failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    );
    expect(cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('runs a recorded hook only in the preview, and only if it still passes the checks', async () => {
    const elsewhere = { ...drain, metadata: { name: 'drain', namespace: 'kube-system' } };
    const placed = world(elsewhere);
    await tearDown(placed.deps, [preview('foo-pr-7')]);
    expect(placed.cluster.ran).toEqual(['applied Job foo-pr-7/drain', 'foo-pr-7/drain']);

    const onTheNode = {
      ...drain,
      spec: {
        template: {
          spec: { nodeName: 'control-plane-1', containers: [{ name: 'x', image: 'x' }] },
        },
      },
    } as KubernetesObject;
    const refused = world(onTheNode);
    const problems = await tearDown(refused.deps, [preview('foo-pr-7')]);
    expect(refused.cluster.ran).toEqual([]);
    expect(problems.get('foo-pr-7')).toContain(
      "the recorded pre-delete hooks no longer pass the app's checks; none was run",
    );
    expect(problems.get('foo-pr-7')).toContain('names its node (`nodeName: control-plane-1`)');
    expect(refused.cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('gives a sleeping preview its replicas back before its pre-delete hooks run', async () => {
    const { cluster, deps } = world();
    cluster.namespaces.set('foo-pr-7', {
      target: { releaseName: 'foo' } as PreviewTarget,
      objects: [],
      sleepingSince: '2026-11-30T00:00:00Z',
      scaledDown: true,
    });
    await tearDown(deps, [{ ...preview('foo-pr-7'), sleepingSince: '2026-11-30T00:00:00Z' }]);
    expect(cluster.ran).toEqual([
      'foo-pr-7: replicas back',
      'applied Job foo-pr-7/drain',
      'foo-pr-7/drain',
    ]);
    expect(cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('runs nothing in a namespace already on its way out', async () => {
    const { cluster, deps } = world();
    await tearDown(deps, [preview('foo-pr-7', true)]);
    expect(cluster.ran).toEqual([]);
  });
});
