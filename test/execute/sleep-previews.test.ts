import { describe, expect, it } from 'vitest';
import { sleepDeps } from '../../src/execute/job-deps.ts';
import { runCommandJob } from '../../src/execute/run-command-job.ts';
import { sleepPreviews, wakePreviews } from '../../src/execute/sleep-previews.ts';
import type { PullRequestConversation } from '../../src/ports.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';
import type { WakeTrigger } from '../../src/ports.ts';
import { deployedPreview, fakeScope, fakeServices, noMetrics } from '../support/fake-ports.ts';

const sha = '5'.repeat(40);
const hour = 3_600_000;
const wake = { host: 'pr-preview.apps.svc.cluster.local', port: 80 };
const sleepy = {
  PREVIEW_WAKE_SERVICE: 'pr-preview.apps.svc.cluster.local',
  PREVIEW_SLEEP_AFTER: '1h',
};

async function sleepingWorld() {
  const world = fakeServices(sleepy);
  const woke: WakeTrigger[] = [];
  world.services.metrics = { ...noMetrics, woke: (t: WakeTrigger) => void woke.push(t) } as never;
  const scope = fakeScope({ headSha: sha });
  await deployedPreview(world, scope, sha);
  const deps = { ...sleepDeps(world.services, scope), wake };
  const slept = await sleepPreviews(deps, {
    previews: await world.cluster.listPreviews(),
    now: Date.now() + 2 * hour,
  });
  return { ...world, scope, deps, slept, woke };
}

describe('sleepPreviews', () => {
  it('puts an idle preview to sleep for the sleepAfter its deploy recorded, and says so', async () => {
    const { cluster, scope, slept } = await sleepingWorld();
    expect(slept.map((p) => p.namespace)).toEqual(['foo-pr-7']);
    const [preview] = await cluster.listPreviews();
    expect(preview).toMatchObject({ sleepAfterMs: hour, sleepingSince: expect.any(String) });
    expect(cluster.namespaces.get('foo-pr-7')?.scaledDown).toBe(true);
    expect(scope.comment.state.rows).toMatchObject([
      { tenant: null, status: 'sleeping', sha, url: 'https://foo-7.preview.bar.com' },
    ]);
  });

  it('keeps a failed row failed through sleep and wake: its last deploy still did not succeed', async () => {
    const world = fakeServices(sleepy);
    const scope = fakeScope({ headSha: sha });
    await deployedPreview(world, scope, sha);
    const failed = { status: 'failed' as const, reason: 'post-install hook Job `seed` failed' };
    scope.comment.state = {
      rows: scope.comment.state.rows.map((r) => ({ ...r, ...failed })),
    };
    const deps = { ...sleepDeps(world.services, scope), wake };
    const slept = await sleepPreviews(deps, {
      previews: await world.cluster.listPreviews(),
      now: Date.now() + 2 * hour,
    });
    expect(slept).toHaveLength(1);
    expect(scope.comment.state.rows).toMatchObject([failed]);
    await wakePreviews(deps, { previews: await world.cluster.listPreviews(), trigger: 'request' });
    expect((await world.cluster.listPreviews())[0]?.sleepingSince).toBeUndefined();
    expect(scope.comment.state.rows).toMatchObject([failed]);
  });

  it('leaves a preview that was deployed since the reconciler looked', async () => {
    const world = fakeServices(sleepy);
    const scope = fakeScope({ headSha: sha });
    await deployedPreview(world, scope, sha);
    const slept = await sleepPreviews(
      { ...sleepDeps(world.services, scope), wake },
      { previews: await world.cluster.listPreviews(), now: Date.now() + hour / 2 },
    );
    expect(slept).toEqual([]);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready' }]);
  });

  it('puts a sleeping preview scaled up by hand to sleep again, keeping its first mark', async () => {
    const { cluster, deps, scope } = await sleepingWorld();
    const [before] = await cluster.listPreviews();
    const entry = cluster.namespaces.get('foo-pr-7');
    if (entry) entry.scaledDown = false;
    await sleepPreviews(deps, {
      previews: await cluster.listPreviews(),
      now: Date.now() + 3 * hour,
    });
    expect(entry?.scaledDown).toBe(true);
    expect((await cluster.listPreviews())[0]?.sleepingSince).toBe(before?.sleepingSince);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'sleeping' }]);
  });

  it('records no sleepAfter when the app has no wake Service, whatever the repository asks', async () => {
    const world = fakeServices();
    const scope = fakeScope({ headSha: sha, config: { sleepAfter: '1m' } });
    await deployedPreview(world, scope, sha);
    expect((await world.cluster.listPreviews())[0]?.sleepAfterMs).toBeUndefined();
  });
});

describe('wakePreviews', () => {
  it('brings the replicas back, then the routes, and shows the preview ready', async () => {
    const { cluster, deps, scope, woke } = await sleepingWorld();
    await wakePreviews(deps, { previews: await cluster.listPreviews(), trigger: 'request' });
    const [preview] = await cluster.listPreviews();
    expect(preview?.sleepingSince).toBeUndefined();
    expect(preview?.wokenAt).toEqual(expect.any(String));
    expect(cluster.namespaces.get('foo-pr-7')?.scaledDown).toBe(false);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready', sha }]);
    expect(woke).toEqual(['request']);
  });

  it('restores the routes and shows why when the woken workloads do not come up', async () => {
    const { cluster, deps, scope } = await sleepingWorld();
    cluster.rollout = { ready: false, reasons: ['Deployment foo: ImagePullBackOff'] };
    await wakePreviews(deps, { previews: await cluster.listPreviews(), trigger: 'request' });
    expect((await cluster.listPreviews())[0]?.sleepingSince).toBeUndefined();
    expect(scope.comment.state.rows).toMatchObject([
      { status: 'failed', reason: 'woke, but not ready: Deployment foo: ImagePullBackOff' },
    ]);
  });

  it('wakes on /preview wake, without asking for write access', async () => {
    const { services, cluster, scope, woke } = await sleepingWorld();
    const said = { replies: [] as string[], reactions: [] as string[] };
    const talk: PullRequestConversation = {
      pullRequest: async () => ({ headSha: sha, state: 'open', fromFork: false }),
      permissionOf: async () => {
        throw new Error('a wake asks nobody for permission');
      },
      reply: async (body) => said.replies.push(body) > 0,
      react: async (_id, reaction) => said.reactions.push(reaction) > 0,
    };
    await runCommandJob(services, {
      ...scope,
      readConfig: async () => ({}),
      commands: parseCommands('/preview wake'),
      author: 'visitor',
      commentId: 1,
      commentedAt: Date.now(),
      pullAtComment: await talk.pullRequest(),
      conversation: talk,
    });
    expect((await cluster.listPreviews())[0]?.sleepingSince).toBeUndefined();
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready' }]);
    expect(said).toEqual({ replies: [], reactions: ['rocket'] });
    expect(woke).toEqual(['command']);
  });

  it('wakes a sleeping preview before a push deploys it', async () => {
    const world = await sleepingWorld();
    const next = '6'.repeat(40);
    await deployedPreview(world, fakeScope({ headSha: next }), next);
    const [preview] = await world.cluster.listPreviews();
    expect(preview).toMatchObject({ sha: next });
    expect(preview?.sleepingSince).toBeUndefined();
    expect(world.cluster.namespaces.get('foo-pr-7')?.scaledDown).toBe(false);
    expect(world.woke).toEqual(['push']);
  });
});
