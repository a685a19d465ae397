import { describe, expect, it } from 'vitest';
import { destroyPreviews } from '../../src/execute/destroy-previews.ts';
import { destroyDeps } from '../../src/execute/job-deps.ts';
import { deployedPreview, fakeScope, fakeServices } from '../support/fake-ports.ts';

const sha = 'f'.repeat(40);

describe('destroyPreviews', () => {
  it('says so on the comment when the namespaces do not go, instead of leaving them ready', async () => {
    const world = fakeServices();
    const { services, cluster } = world;
    const scope = fakeScope({ headSha: sha });
    await deployedPreview(world, scope, sha);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready' }]);
    cluster.deleteFails = new Error('namespaces still terminating after 300 s: foo-pr-7');
    await expect(
      destroyPreviews(destroyDeps(services, scope), {
        pr: 7,
        selection: { all: true },
        observed: await cluster.listPreviews(),
        reason: 'pull request closed',
      }),
    ).rejects.toThrow('still terminating');
    expect(scope.comment.state.rows).toMatchObject([
      {
        status: 'failed',
        reason:
          'destroy did not finish: internal error: namespaces still terminating after 300 s: foo-pr-7; the reconciler tries again',
      },
    ]);
  });
});
