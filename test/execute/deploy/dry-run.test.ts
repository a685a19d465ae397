import { describe, expect, it } from 'vitest';
import { deployedPreview, fakeScope, fakeServices } from '../../support/fake-ports.ts';

describe('the dry run before a deploy', () => {
  it('is skipped for a new namespace without pre-install hooks, and asks only about the chart on an upgrade', async () => {
    const world = fakeServices();
    const first = '1'.repeat(40);
    await deployedPreview(world, fakeScope({ headSha: first }), first);
    expect(world.cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(first);
    expect(world.cluster.dryRuns).toEqual([]);

    const second = '2'.repeat(40);
    await deployedPreview(world, fakeScope({ headSha: second }), second);
    expect(world.cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(second);
    // The chart's Deployment and the preview Ingress; never the app's own quota, limits or policy.
    expect(world.cluster.dryRuns).toEqual([
      'Deployment/foo',
      'Service/foo-service',
      'Ingress/foo-preview',
    ]);
  });
});
