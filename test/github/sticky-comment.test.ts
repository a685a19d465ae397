import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppIdentity } from '../../src/github/app-identity.ts';
import { parseCommentState, renderComment } from '../../src/github/comment-render.ts';
import { InstallationOutbox } from '../../src/github/outbox.ts';
import { CommentSlots, StickyComment } from '../../src/github/sticky-comment.ts';
import type { WriteBudget } from '../../src/github/write-budget.ts';
import type { CommentRow } from '../../src/ports.ts';
import { FakeGitHub, octokitFor } from '../e2e/support/fake-github.ts';
import { silentLogger } from '../support/fake-ports.ts';

/** The sticky comment against the loopback fake GitHub, its writes held back by a gate. */
const github = new FakeGitHub();
const repo = { owner: 'acme', repo: 'sticky' };
const identity = { wrote: async () => true } as unknown as AppIdentity;

beforeAll(async () => {
  await github.start();
});

afterAll(async () => {
  await github.stop();
});

function gatedOutbox() {
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const budget: WriteBudget = {
    spend: async (_id, _n, write) => (await gate, write()),
    stop: async () => {},
  };
  return { outbox: new InstallationOutbox(1, budget, silentLogger), open: () => open() };
}

const row = (status: CommentRow['status']): CommentRow => ({
  tenant: 'fr',
  url: 'https://foo-1-fr.preview.bar.com',
  status,
  sha: 'a'.repeat(40),
});

describe('StickyComment', () => {
  it('writes only the newest state, once, while the job goes on without waiting', async () => {
    const { outbox, open } = gatedOutbox();
    const slots = new CommentSlots();
    const issue = { ...repo, issue_number: 1 };
    const comment = new StickyComment(octokitFor(github), issue, { identity, outbox, slots });
    await comment.update((state) => ({ ...state, rows: [row('deploying')] }));
    await comment.update((state) => ({ ...state, rows: [row('ready')] }));
    expect((await comment.read()).rows[0]?.status).toBe('ready');
    expect(github.commentsOn(repo.owner, repo.repo, 1)).toEqual([]);

    // A later job of this replica goes on from the state still queued, not from GitHub.
    const next = new StickyComment(octokitFor(github), issue, { identity, outbox, slots });
    await next.update((state) => ({ ...state, approvedSha: 'b'.repeat(40) }));
    open();
    await next.settled();
    const written = github.commentsOn(repo.owner, repo.repo, 1);
    expect(written).toHaveLength(1);
    expect(parseCommentState(written[0]?.body as string)).toMatchObject({
      rows: [{ status: 'ready' }],
      approvedSha: 'b'.repeat(40),
    });
    expect(github.callsMatching('POST', /\/issues\/1\/comments$/)).toHaveLength(1);
    expect(github.callsMatching('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(0);
  });

  it('reads GitHub again once nothing is queued, as another replica may have written since', async () => {
    const { outbox, open } = gatedOutbox();
    open();
    const slots = new CommentSlots();
    const issue = { ...repo, issue_number: 2 };
    const first = new StickyComment(octokitFor(github), issue, { identity, outbox, slots });
    await first.update((state) => ({ ...state, rows: [row('ready')] }));
    await first.settled();
    // Another replica's write: a destroy.
    const [mine] = github.commentsOn(repo.owner, repo.repo, 2);
    await octokitFor(github).rest.issues.updateComment({
      ...repo,
      comment_id: mine?.id as number,
      body: renderComment({ rows: [row('destroyed')] }),
    });
    const later = new StickyComment(octokitFor(github), issue, { identity, outbox, slots });
    expect((await later.read()).rows[0]?.status).toBe('destroyed');
  });
});
