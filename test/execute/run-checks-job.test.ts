import { describe, expect, it } from 'vitest';
import { runChecksJob } from '../../src/execute/run-checks-job.ts';
import { buildTargets } from '../../src/plan/targets.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { fakeScope, fakeServices } from '../support/fake-ports.ts';

const sha = 'd'.repeat(40);
const waitingRow = (extra: Record<string, unknown>) => ({
  tenant: null,
  url: 'https://foo-7.preview.bar.com',
  status: 'waiting' as const,
  sha,
  since: Date.now(),
  reason: 'waiting for build',
  ...extra,
});

describe('runChecksJob', () => {
  it('resumes a command-made wait as a command, so the reconciler keeps the preview without a label', async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha: sha, config: { waitFor: ['build'] } });
    scope.comment.state = { rows: [waitingRow({ origin: 'command' })] };
    await runChecksJob(services, { ...scope, sha });
    const [preview] = await cluster.listPreviews();
    expect(preview).toMatchObject({ namespace: 'foo-pr-7', sha, origin: 'command' });
  });

  it('deletes the preview of a waiting redeploy only now that the checks passed, then deploys it afresh', async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha: sha, config: { waitFor: ['build'] } });
    const config = parseConfig({ waitFor: ['build'] }, 'foo');
    const built = buildTargets({
      pr: scope.pr,
      config: config.ok ? config.config : (undefined as never),
      domain: 'preview.bar.com',
      sha: 'e'.repeat(40),
      tenants: [null],
      origin: 'label',
    });
    await cluster.ensureNamespace(built.ok ? built.targets[0]! : (undefined as never));
    scope.comment.state = { rows: [waitingRow({ origin: 'command', recreate: true })] };
    await runChecksJob(services, { ...scope, sha });
    expect(cluster.deleted).toEqual(['foo-pr-7']);
    expect(cluster.namespaces.get('foo-pr-7')?.record?.sha).toBe(sha);
    expect(scope.comment.state.rows).toMatchObject([{ status: 'ready', sha }]);
  });

  it('does nothing for a commit nobody waits on', async () => {
    const { services, cluster } = fakeServices();
    const scope = fakeScope({ headSha: sha });
    await runChecksJob(services, { ...scope, sha });
    expect(await cluster.listPreviews()).toEqual([]);
    expect(scope.comment.writes).toBe(0);
  });
});
