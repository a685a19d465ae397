import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'foo', repositoryId: 6001 };
let nextCommentId = 90_000;

beforeAll(async () => {
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: foo\ntenants: [fr, be, hr, hu]\n');
  world.github.setPermission(repo.owner, repo.repo, 'writer', 'write');
  world.github.setPermission(repo.owner, repo.repo, 'maintainer', 'maintain');
  world.github.setPermission(repo.owner, repo.repo, 'reader', 'read');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

async function command(number: number, body: string, user = 'writer'): Promise<number> {
  const commentId = nextCommentId++;
  await world.sendComment({ ...repo, number, body, user, commentId });
  return commentId;
}

async function waitForReactions(commentId: number, count: number): Promise<string[]> {
  return eventually(`${count} reactions on ${commentId}`, async () => {
    const reactions = world.github.reactionsTo(commentId);
    return reactions.length >= count ? reactions : undefined;
  });
}

async function waitForReply(pr: { owner: string; repo: string; number: number }, pattern: RegExp) {
  return eventually(`a reply matching ${pattern}`, async () =>
    world.replies(pr).find((r) => pattern.test(r)),
  );
}

describe('preview commands in pull request comments', () => {
  const pr = { ...repo, number: 301 };

  beforeAll(() => {
    world.commit(repo, sha(1), 'foo');
    world.github.setPullRequest(repo.owner, repo.repo, 301, { headSha: sha(1) });
  });

  it('deploys two tenants at the head commit, with reactions and the sticky comment', async () => {
    const id = await command(301, 'Let us look at it.\n/preview deploy FR be');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'rocket']);
    const body = await world.waitForComment(
      pr,
      /\| BE \| .* ✅ ready \| `1111111`/,
      /\| FR \| .* ✅ ready \| `1111111`/,
    );
    expect(body).not.toMatch(/\| (HR|HU) \|/);
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual([
      'foo-pr-301-be',
      'foo-pr-301-fr',
    ]);
  });

  it('destroys one tenant and keeps the other', async () => {
    const id = await command(301, '/preview destroy be', 'maintainer');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'rocket']);
    await world.waitForComment(
      pr,
      /\| BE \| ~~foo-301-be\.preview\.bar\.com~~ \| 🗑️ destroyed/,
      /\| FR \| .* ✅ ready/,
    );
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual(['foo-pr-301-fr']);
  });

  it('refuses a changing command from a read-only user, politely', async () => {
    const id = await command(301, '/preview deploy hr', 'reader');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'confused']);
    const reply = await waitForReply(pr, /@reader/);
    expect(reply).toBe(
      '> `/preview deploy hr`\n\n@reader, `/preview deploy hr` needs write, maintain or admin permission on this repository; you have read. Anyone may use `/preview status` and `/preview help`.',
    );
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual(['foo-pr-301-fr']);
  });

  it('answers status to anyone, from what the cluster holds', async () => {
    const id = await command(301, '/preview status', 'reader');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'rocket']);
    const reply = await waitForReply(pr, /Preview status/);
    expect(reply).toContain(
      '| FR | [foo-301-fr.preview.bar.com](https://foo-301-fr.preview.bar.com) | `1111111` | `foo-pr-301-fr` |',
    );
    expect(reply).not.toContain('| BE |');
  });

  it('lists the valid tenants for an unknown one and deploys nothing', async () => {
    const id = await command(301, '/preview deploy de');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'confused']);
    const reply = await waitForReply(pr, /Unknown tenant/);
    expect(reply).toBe(
      '> `/preview deploy de`\n\nUnknown tenant `de`. Valid tenants are `fr`, `be`, `hr`, `hu`.',
    );
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual(['foo-pr-301-fr']);
  });

  it('shows the help for an unknown subcommand', async () => {
    const id = await command(301, '/preview launch');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'confused']);
    const reply = await waitForReply(pr, /is not a preview command/);
    expect(reply).toContain('`launch` is not a preview command.');
    expect(reply).toContain('| `/preview deploy [tenant ...]` |');
  });

  it('ignores bots, edits, plain issues and commands in quotes or code', async () => {
    const before = world.github.calls.length;
    const ignored = [
      { body: '/preview deploy hu', user: 'pr-preview[bot]', userType: 'Bot' as const },
      { body: '/preview deploy hu', user: 'writer', action: 'edited' as const },
      { body: '/preview deploy hu', user: 'writer', action: 'deleted' as const },
      { body: '/preview deploy hu', user: 'writer', onPullRequest: false },
      { body: '> /preview deploy hu\n```\n/preview deploy hu\n```', user: 'writer' },
    ];
    for (const comment of ignored) {
      await world.sendComment({ ...repo, number: 301, commentId: nextCommentId++, ...comment });
    }
    // A command sent afterwards runs after anything these could have queued.
    const id = await command(301, '/preview status');
    await waitForReactions(id, 2);
    const since = world.github.calls.slice(before);
    expect(since.filter((c) => c.path.includes('/reactions'))).toHaveLength(2);
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual(['foo-pr-301-fr']);
  });

  it('tears command-made previews down when the pull request is closed', async () => {
    await world.send('closed', { ...repo, number: 301, sha: sha(1), labels: [] });
    await world.waitForComment(pr, /\| FR \| ~~foo-301-fr\.preview\.bar\.com~~ \| 🗑️ destroyed/);
    expect(await world.namespacesOf(repo.repositoryId, 301)).toEqual([]);
    world.github.setPullRequest(repo.owner, repo.repo, 301, { headSha: sha(1), state: 'closed' });
    const id = await command(301, '/preview deploy fr');
    expect(await waitForReactions(id, 2)).toEqual(['eyes', 'confused']);
    expect(await waitForReply(pr, /closed/)).toContain('This pull request is closed');
  });
});

describe('a command racing a push', () => {
  it('never has two deploys of one tenant in flight, and ends at the newest commit', async () => {
    const pr = { ...repo, number: 302 };
    const callsBefore = world.github.calls.length;
    world.commit(repo, sha(2), 'foo');
    world.commit(repo, sha(3), 'foo');
    world.github.setPullRequest(repo.owner, repo.repo, 302, { headSha: sha(2) });
    await command(302, '/preview deploy hr');
    // The push lands once the command's deploy of 2222222 is under way.
    await eventually('the command to start deploying 2222222', async () =>
      world.github.calls.slice(callsBefore).some((c) => c.path.includes(`/tarball/${sha(2)}`))
        ? true
        : undefined,
    );
    world.github.setPullRequest(repo.owner, repo.repo, 302, { headSha: sha(3) });
    await world.send('synchronize', { ...repo, number: 302, sha: sha(3), labels: [] });

    await world.waitForComment(pr, /\| HR \| .* ✅ ready \| `3333333`/);
    await eventually('both jobs done', async () => {
      const downloads = world.github.calls
        .slice(callsBefore)
        .filter((c) => c.path.includes('/tarball/'));
      return downloads.length === 2 ? true : undefined;
    });
    await world.waitForComment(pr, /\| HR \| .* ✅ ready \| `3333333`/);
    // The push's deploy began (its archive fetched) only after the command's deploy ended.
    const deployed = world.app
      .logLines()
      .find((line) => line.msg === 'preview deployed' && line.sha === sha(2));
    const secondFetch = world.github.calls
      .slice(callsBefore)
      .find((c) => c.path.includes(`/tarball/${sha(3)}`));
    expect(deployed).toBeDefined();
    expect(secondFetch?.at).toBeGreaterThan(Number(deployed?.time));
    // The states GitHub received keep that order: the outbox may skip a state a newer one
    // replaced before its turn, never send an older one after a newer.
    const states = world.github.calls
      .slice(callsBefore)
      .filter((c) => /\/issues\/(302\/comments|comments\/\d+)$/.test(c.path) && c.method !== 'GET')
      .map((c) =>
        /\| HR \| .* \| (⏳ deploying|✅ ready|❌ failed)[^|]* \| \[?`(\w+)`/.exec(
          (c.body as { body: string }).body,
        ),
      )
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}@${m[2]}`);
    const shas = states.map((state) => state.split('@')[1]);
    expect(shas).toEqual([...shas].sort());
    expect(states.at(-1)).toBe('✅ ready@3333333');
    const namespace = await world.k8s.core.readNamespace({ name: 'foo-pr-302-hr' });
    expect(namespace.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(3));
    await world.send('closed', { ...repo, number: 302, sha: sha(3), labels: [] });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });
});
