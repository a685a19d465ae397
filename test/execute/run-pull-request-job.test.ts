import { describe, expect, it } from 'vitest';
import { ChartRenderError } from '../../src/deploy/helm.ts';
import { runPullRequestJob } from '../../src/execute/run-pull-request-job.ts';
import type { PullRequestEvent } from '../../src/plan/plan-pull-request.ts';
import { fakeScope, fakeServices } from '../support/fake-ports.ts';

const webhookSha = 'a'.repeat(40);
const headSha = 'b'.repeat(40);

const labeled = (sha: string): PullRequestEvent => ({
  action: 'labeled',
  label: 'cd/preview',
  labels: ['cd/preview'],
  headSha: sha,
  state: 'open',
});
const reconcile = (sha: string): PullRequestEvent => ({ ...labeled(sha), action: 'reconcile' });

describe('runPullRequestJob', () => {
  it('deploys the head as it is when the job starts, not as the webhook showed it', async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha });
    await runPullRequestJob(services, { ...scope, event: labeled(webhookSha) });
    expect(cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(headSha);
    expect(scope.downloads).toEqual([headSha]);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready', sha: headSha }]);
  });

  it('leaves previews already at the head alone on a reconcile pass', async () => {
    const { services, renderer } = fakeServices();
    const scope = fakeScope({ headSha });
    await runPullRequestJob(services, { ...scope, event: labeled(headSha) });
    expect(renderer.renders).toBe(1);
    await runPullRequestJob(services, { ...scope, event: reconcile(headSha) });
    expect(renderer.renders).toBe(1);
  });

  it("catches up a tenant's lost unlabeled on a reconcile pass, and says why it went", async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha, config: { tenants: ['fr', 'be'] } });
    const tenantLabel = (tenant: string): PullRequestEvent => ({
      action: 'labeled',
      label: `cd/preview:${tenant}`,
      labels: ['cd/preview:fr', 'cd/preview:be'],
      headSha,
      state: 'open',
    });
    await runPullRequestJob(services, { ...scope, event: tenantLabel('fr') });
    await runPullRequestJob(services, { ...scope, event: tenantLabel('be') });
    expect([...cluster.namespaces.keys()].sort()).toEqual(['foo-pr-7-be', 'foo-pr-7-fr']);

    // `cd/preview:be` was removed while the app was down: the pass finds only fr's label.
    await runPullRequestJob(services, {
      ...scope,
      event: { action: 'reconcile', labels: ['cd/preview:fr'], headSha, state: 'open' },
    });
    expect([...cluster.namespaces.keys()]).toEqual(['foo-pr-7-fr']);
    const rows = Object.fromEntries(scope.comment.state.rows.map((r) => [r.tenant, r]));
    expect(rows).toMatchObject({
      fr: { status: 'ready' },
      be: { status: 'destroyed', note: 'no preview label asks for it' },
    });
  });

  describe('a commit that fails', () => {
    const broken = () => {
      const world = fakeServices({
        PREVIEW_FAILURE_BACKOFF: '1m',
        PREVIEW_FAILURE_BACKOFF_MAX: '3m',
      });
      world.services.renderer = {
        render: async () => {
          throw new ChartRenderError('helm template failed: boom');
        },
      };
      return world;
    };

    it('is remembered, and a reconcile retry that fails the same way writes nothing to GitHub', async () => {
      const { services, failures } = broken();
      const scope = fakeScope({ headSha });
      await runPullRequestJob(services, { ...scope, event: labeled(headSha) });
      expect(scope.comment.state.rows).toMatchObject([
        { status: 'failed', reason: 'helm template failed: boom' },
      ]);
      const [first] = await failures.list();
      expect(first).toMatchObject({
        sha: headSha,
        attempts: 1,
        reasons: { '': 'helm template failed: boom' },
      });
      const writes = {
        comment: scope.comment.writes,
        deployments: scope.deployments.writes.length,
      };

      for (const attempts of [2, 3, 4]) {
        const before = Date.now();
        await runPullRequestJob(services, { ...scope, event: reconcile(headSha) });
        const [record] = await failures.list();
        expect(record?.attempts).toBe(attempts);
        // The wait doubles: 1 min, 2 min, then the 3 min cap.
        const wait = Math.min(60_000 * 2 ** (attempts - 1), 180_000);
        expect(record?.retryAt).toBeGreaterThanOrEqual(before + wait);
        expect(record?.retryAt).toBeLessThanOrEqual(Date.now() + wait);
      }
      expect({
        comment: scope.comment.writes,
        deployments: scope.deployments.writes.length,
      }).toEqual(writes);
    });

    it('is reported again, and counted afresh, after a push', async () => {
      const { services, failures } = broken();
      const scope = fakeScope({ headSha });
      await runPullRequestJob(services, { ...scope, event: labeled(headSha) });
      await runPullRequestJob(services, { ...scope, event: reconcile(headSha) });
      const pushed = 'c'.repeat(40);
      const later = fakeScope({ headSha: pushed });
      later.comment.state = scope.comment.state;
      await runPullRequestJob(services, {
        ...later,
        event: { ...labeled(pushed), action: 'synchronize' },
      });
      expect(later.comment.writes).toBeGreaterThan(0);
      expect(later.deployments.writes.length).toBeGreaterThan(0);
      expect((await failures.list())[0]).toMatchObject({ sha: pushed, attempts: 1 });
    });

    it('is forgotten once the commit deploys', async () => {
      const world = broken();
      const scope = fakeScope({ headSha });
      await runPullRequestJob(world.services, { ...scope, event: labeled(headSha) });
      world.services.renderer = fakeServices().renderer;
      await runPullRequestJob(world.services, {
        ...scope,
        event: { ...labeled(headSha), action: 'synchronize' },
      });
      expect(await world.failures.list()).toEqual([]);
      expect(scope.comment.state.rows).toMatchObject([{ status: 'ready' }]);
    });
  });
});
