import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { hookRecordName, hookRecordSecret } from '../../src/deploy/hook-record.ts';
import { tearDown } from '../../src/execute/tear-down.ts';
import type { PreviewTarget } from '../../src/plan/types.ts';
import type { ObjectRef, RolloutResult, SecretCopy } from '../../src/ports.ts';
import { FakeCluster, silentLogger } from '../support/fake-ports.ts';

const drain = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'drain', namespace: 'foo-pr-7' },
} as KubernetesObject;

/** A cluster whose preview kept a pre-delete hook, and whose hooks end as told. */
class ClusterWithHooks extends FakeCluster {
  readonly ran: string[] = [];
  hookResult: RolloutResult = { ready: true };

  override async readSecret(namespace: string, name: string): Promise<SecretCopy | undefined> {
    if (name !== hookRecordName || namespace !== 'foo-pr-7') return undefined;
    const secret = hookRecordSecret({ namespace } as PreviewTarget, {
      timeoutMs: 60_000,
      hooks: [{ object: drain, events: ['pre-delete'], weight: 0, deletePolicies: [] }],
    }) as unknown as { data: Record<string, string> };
    return { name, data: secret.data };
  }

  override async restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    this.ran.push(`${namespace}: replicas back`);
    return super.restoreReplicas(namespace);
  }

  override async waitForCompletion(namespace: string, ref: ObjectRef): Promise<RolloutResult> {
    this.ran.push(`${namespace}/${ref.name}`);
    return this.hookResult;
  }
}

const preview = (namespace: string, terminating = false) => ({ namespace, terminating });

describe('tearDown', () => {
  it('runs the pre-delete hooks a deploy recorded, then deletes the namespaces', async () => {
    const cluster = new ClusterWithHooks();
    cluster.namespaces.set('foo-pr-7', { target: {} as PreviewTarget, objects: [] });
    const problems = await tearDown({
      cluster,
      logger: silentLogger,
      previews: [preview('foo-pr-7')],
    });
    expect(cluster.ran).toEqual(['foo-pr-7/drain']);
    expect(problems.size).toBe(0);
    expect(cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('reports a failed hook and deletes the namespace all the same', async () => {
    const cluster = new ClusterWithHooks();
    cluster.namespaces.set('foo-pr-7', { target: {} as PreviewTarget, objects: [] });
    cluster.hookResult = {
      ready: false,
      reasons: ['BackoffLimitExceeded: Job has reached the specified backoff limit'],
    };
    const problems = await tearDown({
      cluster,
      logger: silentLogger,
      previews: [preview('foo-pr-7')],
    });
    expect(problems.get('foo-pr-7')).toBe(
      'pre-delete hook Job `drain` failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    );
    expect(cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('gives a sleeping preview its replicas back before its pre-delete hooks run', async () => {
    const cluster = new ClusterWithHooks();
    cluster.namespaces.set('foo-pr-7', {
      target: { releaseName: 'foo' } as PreviewTarget,
      objects: [],
      sleepingSince: '2026-11-30T00:00:00Z',
      scaledDown: true,
    });
    await tearDown({
      cluster,
      logger: silentLogger,
      previews: [{ ...preview('foo-pr-7'), sleepingSince: '2026-11-30T00:00:00Z' }],
    });
    expect(cluster.ran).toEqual(['foo-pr-7: replicas back', 'foo-pr-7/drain']);
    expect(cluster.deleted).toEqual(['foo-pr-7']);
  });

  it('runs nothing in a namespace already on its way out', async () => {
    const cluster = new ClusterWithHooks();
    await tearDown({ cluster, logger: silentLogger, previews: [preview('foo-pr-7', true)] });
    expect(cluster.ran).toEqual([]);
  });
});
