import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppIdentity } from '../../src/github/app-identity.ts';
import { parseCommentState, renderComment } from '../../src/github/comment-render.ts';
import { InstallationOutbox } from '../../src/github/outbox.ts';
import { StickyComment } from '../../src/github/sticky-comment.ts';
import { githubWebUrl, webUrlOf } from '../../src/github/web-url.ts';
import type { WriteBudget } from '../../src/github/write-budget.ts';
import type { CommentRow } from '../../src/ports.ts';
import { FakeGitHub, octokitFor } from '../e2e/support/fake-github.ts';
import { MemoryCommentStore, silentLogger } from '../support/fake-ports.ts';

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

const keyOf = (number: number) => ({ ...repo, number, repositoryId: 5, installationId: 1 });

describe('webUrlOf', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com'],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com'],
    ['http://127.0.0.1:4000/api/v3', 'http://127.0.0.1:4000'],
    ['https://api.octocorp.ghe.com', 'https://octocorp.ghe.com'],
  ])('%s is shown at %s', (api, web) => {
    expect(webUrlOf(api)).toBe(web);
  });

  it.each([
    [{}, 'https://github.com'],
    [{ GHE_HOST: 'ghe.example.com' }, 'https://ghe.example.com'],
    [{ GHE_HOST: ' ghe.example.com ', GHE_PROTOCOL: 'http' }, 'http://ghe.example.com'],
    [{ GHE_HOST: 'api.octocorp.ghe.com' }, 'https://octocorp.ghe.com'],
    [{ GHE_HOST: 'not a host' }, 'https://not a host'],
  ])("Probot's environment %j is shown at %s", (env, web) => {
    expect(githubWebUrl(env)).toBe(web);
  });
});

describe('StickyComment', () => {
  it('writes its record only when what it says changed, and dates each change', async () => {
    const { outbox, open } = gatedOutbox();
    const store = new MemoryCommentStore();
    const key = keyOf(9);
    const comment = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    await comment.update((state) => ({ ...state, rows: [row('ready')] }));
    const first = store.stored.get('5#9');
    expect(first?.comment.state.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    await comment.update((state) => ({ ...state, rows: [row('ready')] }));
    expect(store.stored.get('5#9')).toBe(first);
    await comment.update((state) => ({ ...state, rows: [row('sleeping')] }));
    expect(store.stored.get('5#9')).not.toBe(first);
    open();
    await comment.settled();
    const [written] = github.commentsOn(repo.owner, repo.repo, 9);
    expect(written?.body).toContain('😴 sleeping');
    expect(written?.body).toMatch(/<sub>Updated \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/sub>/);
  });

  it('stores each state before the job goes on, and sends GitHub only the newest, once', async () => {
    const { outbox, open } = gatedOutbox();
    const store = new MemoryCommentStore();
    const key = keyOf(1);
    const comment = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    await comment.update((state) => ({ ...state, rows: [row('deploying')] }));
    await comment.update((state) => ({ ...state, rows: [row('ready')] }));
    expect((await store.read(key))?.state.rows[0]?.status).toBe('ready');
    expect((await store.read(key))?.unsent).toBe(true);
    expect(github.commentsOn(repo.owner, repo.repo, 1)).toEqual([]);

    // A later job (of any replica) goes on from the stored state, not from GitHub.
    const next = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
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
    expect(await store.read(key)).toMatchObject({ unsent: false, commentId: written[0]?.id });
  });

  it('takes its first state from the comment GitHub holds, when the store has none', async () => {
    const { outbox, open } = gatedOutbox();
    open();
    const body = renderComment({ rows: [row('ready')], approvedSha: 'c'.repeat(40) });
    const made = await octokitFor(github).rest.issues.createComment({
      ...repo,
      issue_number: 2,
      body,
    });
    const store = new MemoryCommentStore();
    const comment = new StickyComment(octokitFor(github), keyOf(2), {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    expect(await comment.read()).toMatchObject({ approvedSha: 'c'.repeat(40) });
    await comment.update((state) => ({ ...state, rows: [row('destroyed')] }));
    await comment.settled();
    const [written] = github.commentsOn(repo.owner, repo.repo, 2);
    expect(written?.id).toBe(made.data.id);
    expect(parseCommentState(written?.body as string)).toMatchObject({
      rows: [{ status: 'destroyed' }],
      approvedSha: 'c'.repeat(40),
    });
  });

  it('keeps a state GitHub refused as owed, and a later send (a restart) delivers it', async () => {
    const store = new MemoryCommentStore();
    const key = keyOf(3);
    const refusing: WriteBudget = {
      spend: async () => {
        throw Object.assign(new Error('Validation Failed'), { status: 422 });
      },
      stop: async () => {},
    };
    const down = new StickyComment(octokitFor(github), key, {
      identity,
      outbox: new InstallationOutbox(1, refusing, silentLogger),
      store,
      replica: 'a',
    });
    await down.update((state) => ({ ...state, rows: [row('ready')] }));
    await down.settled();
    expect(github.commentsOn(repo.owner, repo.repo, 3)).toEqual([]);
    expect(await store.unsent()).toMatchObject([{ key }]);

    const { outbox, open } = gatedOutbox();
    open();
    const restarted = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    restarted.send();
    await restarted.settled();
    expect(github.commentsOn(repo.owner, repo.repo, 3)).toHaveLength(1);
    expect(await store.unsent()).toEqual([]);
  });

  it('makes the comment again when someone deleted it', async () => {
    const { outbox, open } = gatedOutbox();
    open();
    const store = new MemoryCommentStore();
    const key = keyOf(4);
    const comment = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    await comment.update((state) => ({ ...state, rows: [row('deploying')] }));
    await comment.settled();
    const [first] = github.commentsOn(repo.owner, repo.repo, 4);
    await octokitFor(github).rest.issues.deleteComment({
      ...repo,
      comment_id: first?.id as number,
    });
    await comment.update((state) => ({ ...state, rows: [row('ready')] }));
    await comment.settled();
    const comments = github.commentsOn(repo.owner, repo.repo, 4);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).not.toBe(first?.id);
    expect(parseCommentState(comments[0]?.body as string).rows[0]?.status).toBe('ready');
  });

  it("lets one replica's outbox send at a time, so two replicas never make two comments", async () => {
    const store = new MemoryCommentStore();
    const key = keyOf(5);
    const a = gatedOutbox();
    const b = gatedOutbox();
    const onA = new StickyComment(octokitFor(github), key, {
      identity,
      outbox: a.outbox,
      store,
      replica: 'a',
    });
    const onB = new StickyComment(octokitFor(github), key, {
      identity,
      outbox: b.outbox,
      store,
      replica: 'b',
    });
    await onA.update((state) => ({ ...state, rows: [row('deploying')] }));
    await onB.update((state) => ({ ...state, rows: [row('ready')] }));
    a.open();
    b.open();
    await Promise.all([onA.settled(), onB.settled()]);
    // B found A's claim and looks again once it ran out, or A sent the newest itself.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const comments = github.commentsOn(repo.owner, repo.repo, 5);
    expect(comments).toHaveLength(1);
    expect(parseCommentState(comments[0]?.body as string).rows[0]?.status).toBe('ready');
    expect((await store.read(key))?.unsent).toBe(false);
  });

  it('forgets its record once GitHub holds the last state of a closed pull request', async () => {
    const { outbox, open } = gatedOutbox();
    const store = new MemoryCommentStore();
    const key = keyOf(6);
    const comment = new StickyComment(octokitFor(github), key, {
      identity,
      outbox,
      store,
      replica: 'a',
    });
    await comment.update((state) => ({ ...state, rows: [row('destroyed')] }));
    await comment.close();
    expect(await store.read(key)).toMatchObject({ closed: true, unsent: true });
    open();
    await comment.settled();
    expect(await store.read(key)).toBeUndefined();
    expect(
      parseCommentState(github.commentsOn(repo.owner, repo.repo, 6)[0]?.body as string).rows,
    ).toMatchObject([{ status: 'destroyed' }]);
  });
});
