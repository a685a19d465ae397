import { describe, expect, it } from 'vitest';
import { runCommandJob } from '../../src/execute/run-command-job.ts';
import type { PullRequestConversation } from '../../src/ports.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';
import { deployedPreview, fakeScope, fakeServices } from '../support/fake-ports.ts';

const sha = '9'.repeat(40);

function conversation(permission: string, head = { sha, fromFork: false }) {
  const said = { replies: [] as string[], reactions: [] as string[] };
  const talk: PullRequestConversation = {
    pullRequest: async () => ({ headSha: head.sha, state: 'open', fromFork: head.fromFork }),
    permissionOf: async () => ({ permission, role_name: permission }) as never,
    reply: async (body) => said.replies.push(body) > 0,
    react: async (_id, reaction) => said.reactions.push(reaction) > 0,
  };
  return { talk, said };
}

describe('runCommandJob', () => {
  it('deletes nothing for /preview redeploy while the checks it waits for are pending', async () => {
    const world = fakeServices();
    const { services, cluster } = world;
    await deployedPreview(world, fakeScope({ headSha: sha }), sha);
    const scope = fakeScope({
      headSha: sha,
      config: { waitFor: ['build'] },
      gate: { state: 'pending', waitingFor: ['build'] },
    });
    const { talk, said } = conversation('write');
    await runCommandJob(services, {
      ...scope,
      commands: parseCommands('/preview redeploy'),
      author: 'octocat',
      commentId: 1,
      commentedAt: Date.now(),
      pullAtComment: await talk.pullRequest(),
      conversation: talk,
    });
    expect(cluster.deleted).toEqual([]);
    expect(cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(sha);
    expect(scope.comment.state.rows).toMatchObject([
      { status: 'waiting', origin: 'command', recreate: true },
    ]);
    expect(said.reactions).toEqual(['rocket']);
  });

  it('refuses a changing command from someone who may only read, and says so', async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha: sha });
    const { talk, said } = conversation('read');
    await runCommandJob(services, {
      ...scope,
      commands: parseCommands('/preview deploy'),
      author: 'stranger',
      commentId: 2,
      commentedAt: Date.now(),
      pullAtComment: await talk.pullRequest(),
      conversation: talk,
    });
    expect(await cluster.listPreviews()).toEqual([]);
    expect(said.replies[0]).toContain('@stranger');
    expect(said.reactions).toEqual(['confused']);
  });

  describe("a fork's approval", () => {
    const seen = '1'.repeat(40);
    const pushed = '2'.repeat(40);
    const commentedAt = Date.parse('2026-12-01T12:00:00Z');

    async function approve(params: { headAtComment: string; headNow: string; pushedAt?: number }) {
      const world = fakeServices();
      if (params.pushedAt !== undefined) {
        await world.headLog.record(
          { repositoryId: 11, number: 7 },
          params.headAtComment,
          params.pushedAt,
        );
      }
      const scope = fakeScope({ headSha: params.headNow, config: {} });
      const atComment = conversation('maintain', { sha: params.headAtComment, fromFork: true });
      const now = conversation('maintain', { sha: params.headNow, fromFork: true });
      await runCommandJob(world.services, {
        ...scope,
        commands: parseCommands('/preview deploy'),
        author: 'maintainer',
        commentId: 3,
        commentedAt,
        pullAtComment: await atComment.talk.pullRequest(),
        conversation: now.talk,
      });
      return { world, scope, said: now.said };
    }

    it('approves and deploys the commit the maintainer saw, though a push came before the job ran', async () => {
      const { world, scope } = await approve({
        headAtComment: seen,
        headNow: pushed,
        pushedAt: commentedAt - 60_000,
      });
      expect(scope.comment.state.approvedSha).toBe(seen);
      expect((await world.cluster.listPreviews())[0]?.sha).toBe(seen);
    });

    it('refuses a head that GitHub says was pushed after the comment', async () => {
      const { world, scope, said } = await approve({
        headAtComment: pushed,
        headNow: pushed,
        pushedAt: commentedAt + 800,
      });
      expect(scope.comment.state.approvedSha).toBeUndefined();
      expect(await world.cluster.listPreviews()).toEqual([]);
      expect(said.replies[0]).toContain(
        'commit `2222222` was pushed after this comment was written, so it is not the one approved',
      );
      expect(said.reactions).toEqual(['confused']);
    });
  });

  it('answers a comment once: one reply for all its commands, the help at most once', async () => {
    const { services } = fakeServices();
    const scope = fakeScope({ headSha: sha, config: { tenants: ['fr'] } });
    const { talk, said } = conversation('read');
    await runCommandJob(services, {
      ...scope,
      commands: parseCommands('/preview frobnicate\n/preview jump\n/preview help\n/preview status'),
      author: 'stranger',
      commentId: 4,
      commentedAt: Date.now(),
      pullAtComment: await talk.pullRequest(),
      conversation: talk,
    });
    expect(said.replies).toHaveLength(1);
    expect(said.replies[0]).toContain('> `/preview frobnicate`');
    expect(said.replies[0]).toContain('> `/preview jump`');
    expect(said.replies[0]).toContain('No previews are deployed for this pull request.');
    expect(said.replies[0]?.match(/\*\*Preview commands\*\*/g)).toHaveLength(1);
    expect(said.reactions).toEqual(['confused']);
  });

  it('stops answering a flood of comments from one user, within its budget', async () => {
    const { services } = fakeServices();
    const scope = fakeScope({ headSha: sha, config: {} });
    const { talk, said } = conversation('read');
    for (let i = 0; i < 40; i++) {
      await runCommandJob(services, {
        ...scope,
        commands: parseCommands('/preview help'),
        author: 'flooder',
        commentId: 100 + i,
        commentedAt: Date.now(),
        pullAtComment: await talk.pullRequest(),
        conversation: talk,
      });
    }
    // Two writes a comment (the reply and the reaction), 30 an hour for one user.
    expect(said.replies).toHaveLength(15);
    expect(said.reactions).toHaveLength(15);
  });
});
