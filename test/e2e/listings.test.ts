import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from './support/app-process.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Listings are not snapshots: GitHub pages open pull requests by offset, so
 * one that closes between two page requests moves the next page's first out
 * of sight. The reconciler must not take that one for closed.
 */
const world = new PreviewWorld();
const many = { owner: 'acme', repo: 'many', repositoryId: 8401 };
let app: AppProcess | undefined;

beforeAll(async () => {
  await world.start();
  world.github.setConfig(many.owner, many.repo, 'app: many\n');
  world.github.addRepository(many.owner, many.repo, many.repositoryId);
  world.commit(many, sha(1), 'foo', 'many');
  // 150 open pull requests; only #101 (the first of the second page of 100) and #150 want previews.
  for (let number = 1; number <= 150; number++) {
    const labels = number === 101 || number === 150 ? ['cd/preview'] : [];
    world.github.setPullRequest(many.owner, many.repo, number, { headSha: sha(1), labels });
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await world.stop();
});

describe('the reconciler and listings that move under it', () => {
  it('destroys no live preview that a pull request closing between two pages hid', async () => {
    for (const number of [101, 150]) {
      await world.send('labeled', {
        ...many,
        number,
        sha: sha(1),
        labels: ['cd/preview'],
        label: 'cd/preview',
      });
      await world.waitForComment({ ...many, number }, /✅ ready/);
    }
    // After each first page, another pull request closes: #101 slides onto page one, unseen.
    let closed = 0;
    let secondPages = 0;
    world.github.betweenPages = (path, page) => {
      if (path !== '/repos/acme/many/pulls') return;
      if (page === 2) secondPages += 1;
      if (page !== 1) return;
      closed += 1;
      world.github.setPullRequest(many.owner, many.repo, closed, {
        headSha: sha(1),
        labels: [],
        state: 'closed',
      });
    };
    // And #150 really closes: its preview must go, so the reconciler did look.
    world.github.setPullRequest(many.owner, many.repo, 150, {
      headSha: sha(1),
      labels: ['cd/preview'],
      state: 'closed',
    });
    app = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '2s' });
    await eventually('the closed pull request cleaned up', async () =>
      (await world.namespacesOf(many.repositoryId, 150)).length === 0 ? true : undefined,
    );
    // Three more passes, each of which missed #101 in its listing.
    const passes = closed;
    await eventually('three more passes', async () => (closed >= passes + 3 ? true : undefined));
    expect(await world.namespacesOf(many.repositoryId, 101)).toEqual(['many-pr-101']);
    expect(world.commentBody({ ...many, number: 101 })).toMatch(/✅ ready/);
    // The listings did page: each pass asked for page two and got the rest.
    expect(secondPages).toBeGreaterThanOrEqual(3);
  });
});
