import { ProbotOctokit, type Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { sleepDeps } from '../../src/execute/job-deps.ts';
import { sleepPreviews } from '../../src/execute/sleep-previews.ts';
import { WakesOnRequest } from '../../src/execute/wake-on-request.ts';
import { deployedPreview, fakeScope, fakeServices } from '../support/fake-ports.ts';

const sha = '6'.repeat(40);
const hour = 3_600_000;
const sleepy = {
  PREVIEW_WAKE_SERVICE: 'pr-preview.apps.svc.cluster.local',
  PREVIEW_SLEEP_AFTER: '1h',
};

/** A pull request's three tenants, deployed and asleep, and what the cluster is asked, in order. */
async function sleepingTenants() {
  const world = fakeServices(sleepy);
  const scope = fakeScope({ headSha: sha, config: { tenants: ['fr', 'be', 'hr'] } });
  await deployedPreview(world, scope, sha);
  await sleepPreviews(
    { ...sleepDeps(world.services, scope), wake: { host: 'pr-preview.apps.svc', port: 80 } },
    { previews: await world.cluster.listPreviews(), now: Date.now() + 2 * hour },
  );
  const calls: string[] = [];
  const { cluster } = world;
  const restoreReplicas = cluster.restoreReplicas.bind(cluster);
  const restoreRoutesAndMarkAwake = cluster.restoreRoutesAndMarkAwake.bind(cluster);
  cluster.restoreReplicas = async (namespace) => {
    calls.push(`replicas ${namespace}`);
    return restoreReplicas(namespace);
  };
  cluster.restoreRoutesAndMarkAwake = async (namespace, at) => {
    calls.push(`routes ${namespace}`);
    return restoreRoutesAndMarkAwake(namespace, at);
  };
  const rollout = cluster.waitForRollout.bind(cluster);
  // Workloads take a moment to come up, as on a cluster.
  cluster.waitForRollout = async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return rollout();
  };
  const octokit = new ProbotOctokit({
    auth: { token: 'installation-token' },
    request: { fetch: async () => new Response('{}', { status: 200 }) },
  });
  const app = { auth: async () => octokit } as unknown as Probot;
  // The namespaces name their repository, as the app writes them.
  const previews = async () =>
    (await world.cluster.listPreviews()).map((p) => ({ ...p, repository: 'acme/foo' }));
  return { world, calls, previews, wakes: new WakesOnRequest(app, world.services) };
}

describe('WakesOnRequest', () => {
  it("wakes a pull request's previews asked for at once side by side, in one job", async () => {
    const { world, calls, wakes, previews: asleep } = await sleepingTenants();
    const previews = await asleep();
    expect(previews.map((p) => p.sleepingSince)).toEqual([
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    await Promise.all(previews.map((preview) => wakes.request(preview)));
    await world.services.queue.idle();
    expect((await world.cluster.listPreviews()).map((p) => p.sleepingSince)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    // Side by side: every workload is asked back before any route, rather than one preview after another.
    expect(calls.slice(0, 3).every((call) => call.startsWith('replicas '))).toBe(true);
    expect(calls.slice(3).every((call) => call.startsWith('routes '))).toBe(true);
    expect(calls).toHaveLength(6);
  });

  it('wakes a preview asked for once the last job has ended in a job of its own', async () => {
    const { world, calls, wakes, previews } = await sleepingTenants();
    const [first, second] = await previews();
    if (!first || !second) throw new Error('two previews expected');
    await wakes.request(first);
    await world.services.queue.idle();
    // Asked while nothing is queued: a job of its own wakes it.
    await wakes.request(second);
    await world.services.queue.idle();
    expect(calls.filter((call) => call.startsWith('routes '))).toHaveLength(2);
    const awake = (await world.cluster.listPreviews()).filter((p) => !p.sleepingSince);
    expect(awake.map((p) => p.namespace).sort()).toEqual(
      [first.namespace, second.namespace].sort(),
    );
  });
});
