import { describe, expect, it } from 'vitest';
import { deployedPreview, fakeScope, fakeServices } from '../../support/fake-ports.ts';

describe("a deploy's pre-delete hooks record", () => {
  it('is kept while the release rolls out, and a deploy whose record could not be kept is not recorded', async () => {
    const world = fakeServices();
    const sha = '1'.repeat(40);
    world.records.putHooks = async () => {
      throw new Error('the API server is unavailable');
    };
    const scope = fakeScope({ headSha: sha });
    await deployedPreview(world, scope, sha);
    const namespace = world.cluster.namespaces.get('foo-pr-7');
    // Applied, but without a record: the deploying mark stays and the reconciler deploys again.
    expect(namespace?.record).toBeUndefined();
    expect(namespace?.deploying).toBe(sha);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'failed' }]);
    expect(scope.comment.state.rows[0]?.reason).toContain('the API server is unavailable');
  });

  it('is there once the deploy is recorded', async () => {
    const world = fakeServices();
    const sha = '1'.repeat(40);
    const written: string[] = [];
    const putHooks = world.records.putHooks.bind(world.records);
    world.records.putHooks = async (preview, record) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await putHooks(preview, record);
      written.push(preview);
    };
    const recordDeployed = world.cluster.recordDeployed.bind(world.cluster);
    world.cluster.recordDeployed = async (target, record) => {
      // The record of the hooks came first, however long its write took.
      expect(written).toEqual([target.namespace]);
      await recordDeployed(target, record);
    };
    await deployedPreview(world, fakeScope({ headSha: sha }), sha);
    expect(world.cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(sha);
  });
});
