import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import {
  deployWhenChecksPass,
  type GatedDeployDeps,
} from '../../src/execute/deploy-when-checks-pass.ts';
import { gatedDeployDeps } from '../../src/execute/run-checks-job.ts';
import type { GateResult } from '../../src/plan/check-gate.ts';
import { buildTargets } from '../../src/plan/targets.ts';
import type { CommentState, ObservedPreview } from '../../src/ports.ts';
import { fakeScope, fakeServices } from '../support/fake-ports.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 1, installationId: 2, number: 5 };
const sha = 'a'.repeat(40);
const config = parseConfig(
  { tenants: ['fr'], waitFor: ['build-image'], waitTimeout: '10m' },
  'foo',
);
if (!config.ok) throw new Error('config');
const built = buildTargets({
  pr,
  config: config.config,
  domain: 'preview.bar.com',
  sha,
  tenants: ['fr'],
  origin: 'label',
});
if (!built.ok) throw new Error('targets');

function world(gate: GateResult, initial: CommentState = { rows: [] }) {
  const { services, cluster } = fakeServices();
  const scope = fakeScope({ headSha: sha, gate });
  scope.comment.state = initial;
  const recheckAt = vi.fn();
  const deps: GatedDeployDeps = { ...gatedDeployDeps(services, scope), recheckAt };
  const run = (extra: { recreate?: boolean; observed?: ObservedPreview[] } = {}) =>
    deployWhenChecksPass(deps, {
      pr: 5,
      sha,
      targets: built.ok ? built.targets : [],
      config: config.ok ? config.config : (undefined as never),
      observed: [],
      ...extra,
    });
  return { run, recheckAt, state: () => scope.comment.state, cluster, scope };
}

describe('deployWhenChecksPass', () => {
  it('shows the tenants waiting and asks for a look when the wait would time out', async () => {
    const now = Date.now();
    const w = world({ state: 'pending', waitingFor: ['build-image'] });
    await expect(w.run()).resolves.toEqual({ state: 'waiting' });
    const [row] = w.state().rows;
    expect(row).toMatchObject({
      tenant: 'fr',
      status: 'waiting',
      reason: 'waiting for build-image',
      sha,
    });
    expect(row?.since).toBeGreaterThanOrEqual(now);
    expect(w.recheckAt).toHaveBeenCalledWith((row?.since as number) + 600_000, sha);
  });

  it('keeps the start of a wait across events', async () => {
    const since = Date.now() - 60_000;
    const w = world(
      { state: 'pending', waitingFor: ['build-image'] },
      { rows: [{ tenant: 'fr', url: 'https://x', status: 'waiting', sha, since }] },
    );
    await w.run();
    expect(w.state().rows[0]?.since).toBe(since);
    expect(w.recheckAt).toHaveBeenCalledWith(since + 600_000, sha);
  });

  it('gives up once the timeout has passed', async () => {
    const since = Date.now() - 600_001;
    const w = world(
      { state: 'pending', waitingFor: ['build-image'] },
      { rows: [{ tenant: 'fr', url: 'https://x', status: 'waiting', sha, since }] },
    );
    await expect(w.run()).resolves.toEqual({ state: 'blocked' });
    expect(w.state().rows[0]).toMatchObject({
      status: 'failed',
      reason: 'not deployed: timed out after 10 min waiting for build-image on aaaaaaa',
    });
    expect(w.recheckAt).not.toHaveBeenCalled();
  });

  it('does not deploy a commit whose check failed', async () => {
    const w = world({ state: 'failed', failures: ['build-image cancelled'] });
    await expect(w.run()).resolves.toEqual({ state: 'blocked' });
    expect(w.state().rows[0]).toMatchObject({
      status: 'failed',
      reason: 'not deployed: build-image cancelled on aaaaaaa',
    });
  });

  it('deletes nothing for a redeploy until the checks passed, and remembers to when they have', async () => {
    const w = world({ state: 'pending', waitingFor: ['build-image'] });
    await w.cluster.ensureNamespace(built.ok ? built.targets[0]! : (undefined as never));
    await w.run({ recreate: true });
    expect(w.cluster.deleted).toEqual([]);
    expect(w.state().rows[0]).toMatchObject({ status: 'waiting', recreate: true });
  });

  it('keeps a kept preview kept through a redeploy, which makes its namespace afresh', async () => {
    const w = world({ state: 'passed' });
    await w.run();
    const [first] = await w.cluster.listPreviews();
    await w.cluster.markLifetime(first?.namespace ?? '', { keptBy: 'ann' });
    const observed = await w.cluster.listPreviews();
    await expect(w.run({ recreate: true, observed })).resolves.toMatchObject({ state: 'deployed' });
    expect(w.cluster.deleted).toEqual([first?.namespace]);
    expect((await w.cluster.listPreviews()).map((p) => [p.namespace, p.keptBy])).toEqual([
      [first?.namespace, 'ann'],
    ]);
  });

  it("says no longer kept once a redeploy's namespace is gone and not made again", async () => {
    const w = world({ state: 'passed' });
    await w.run();
    const [first] = await w.cluster.listPreviews();
    await w.cluster.markLifetime(first?.namespace ?? '', { keptBy: 'ann' });
    w.state().rows = w.state().rows.map((r) => ({ ...r, keptBy: 'ann' }));
    const observed = await w.cluster.listPreviews();
    // The namespace was deleted and the new one removed again (a deploy refused midway).
    w.cluster.markLifetime = async () => false;
    await w.run({ recreate: true, observed });
    expect(w.state().rows.map((r) => r.keptBy)).toEqual([undefined]);
  });

  it('records a command as the origin of the rows it leaves waiting', async () => {
    const w = world({ state: 'pending', waitingFor: ['build-image'] });
    const commanded = buildTargets({
      pr,
      config: config.ok ? config.config : (undefined as never),
      domain: 'preview.bar.com',
      sha,
      tenants: ['fr'],
      origin: 'command',
    });
    await deployWhenChecksPass(
      {
        ...gatedDeployDeps(fakeServices().services, w.scope),
        recheckAt: w.recheckAt,
      },
      {
        pr: 5,
        sha,
        targets: commanded.ok ? commanded.targets : [],
        config: config.ok ? config.config : (undefined as never),
        observed: [],
      },
    );
    expect(w.state().rows[0]).toMatchObject({ status: 'waiting', origin: 'command' });
  });
});
