import { describe, expect, it } from 'vitest';
import { runCommandJob } from '../../src/execute/run-command-job.ts';
import type { PullRequestConversation } from '../../src/github/pull-request-conversation.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';
import { deployedPreview, fakeScope, fakeServices } from '../support/fake-ports.ts';

const sha = '9'.repeat(40);

function conversation(permission: string) {
  const said = { replies: [] as string[], reactions: [] as string[] };
  const talk: PullRequestConversation = {
    pullRequest: async () => ({ headSha: sha, state: 'open', fromFork: false }),
    permissionOf: async () => ({ permission, role_name: permission }) as never,
    reply: async (body) => void said.replies.push(body),
    react: async (_id, reaction) => void said.reactions.push(reaction),
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
      conversation: talk,
    });
    expect(await cluster.listPreviews()).toEqual([]);
    expect(said.replies[0]).toContain('@stranger');
    expect(said.reactions).toEqual(['confused']);
  });
});
