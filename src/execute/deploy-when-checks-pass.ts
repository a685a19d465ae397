import { decideGate } from '../plan/check-gate.ts';
import type { TenantOutcome } from '../plan/types.ts';
import type { CommitChecks } from '../ports.ts';
import { row, rowsWaitingOn, upsertRows, withKeptBy } from '../plan/comment-rows.ts';
import { tearDown } from './tear-down.ts';
import { deployPreviews, type DeployDeps, type DeployParams } from './deploy/deploy-previews.ts';

export interface GatedDeployDeps extends DeployDeps {
  checks: CommitChecks;
  /** Asks for another look at `sha` at `atMs`, for the wait's timeout. */
  recheckAt: (atMs: number, sha: string) => void;
}

export type GatedDeployResult =
  { state: 'deployed'; outcomes: TenantOutcome[] } | { state: 'waiting' } | { state: 'blocked' };

export interface GatedDeployParams extends DeployParams {
  /** `/preview redeploy`: delete the targets' previews first, but only once the checks passed. */
  recreate?: boolean;
}

/**
 * Deploys once the configured checks passed on the commit. Until then the
 * tenants show as waiting; a failed check or the timeout ends the wait with
 * no deploy. Events for the commit (check_run, check_suite, status) come back
 * here; a newer push replaces the waiting rows, so an older commit's events
 * find nothing to resume.
 */
export async function deployWhenChecksPass(
  deps: GatedDeployDeps,
  params: GatedDeployParams,
): Promise<GatedDeployResult> {
  const { sha, targets, config } = params;
  const gate = await deps.checks.gate(sha, config.waitFor);
  const waitingSince =
    gate.state === 'pending'
      ? rowsWaitingOn(await deps.comment.read(), sha).flatMap((r) =>
          r.since === undefined ? [] : [r.since],
        )
      : [];
  const decision = decideGate({
    gate,
    sha,
    now: Date.now(),
    waitingSince,
    waitTimeoutMs: config.waitTimeoutMs,
  });
  switch (decision.action) {
    case 'deploy': {
      const outcomes = await deployPreviews(deps, await recreated(deps, params));
      if (params.recreate) await keepWhatWasKept(deps, params, outcomes);
      return { state: 'deployed', outcomes };
    }
    case 'block':
      deps.logger.info({ sha, reason: decision.reason }, 'not deployed: checks');
      await deps.comment.update((state) =>
        upsertRows(
          state,
          targets.map((target) => ({ ...row(target, sha, 'failed'), reason: decision.reason })),
        ),
      );
      return { state: 'blocked' };
    case 'wait':
      await deps.comment.update((state) =>
        upsertRows(
          state,
          targets.map((target) => ({
            ...row(target, sha, 'waiting'),
            reason: decision.reason,
            since: decision.since,
            ...(target.origin === 'command' ? { origin: 'command' as const } : {}),
            ...(params.recreate ? { recreate: true } : {}),
          })),
        ),
      );
      deps.recheckAt(decision.recheckAtMs, sha);
      return { state: 'waiting' };
  }
}

/**
 * For `/preview redeploy`: the targets' previews deleted (their pre-delete
 * hooks first), as helm uninstall then install; the deploy then installs afresh.
 */
async function recreated(deps: GatedDeployDeps, params: GatedDeployParams): Promise<DeployParams> {
  if (!params.recreate) return params;
  const names = new Set(params.targets.map((t) => t.namespace));
  const doomed = params.observed.filter((p) => names.has(p.namespace));
  await tearDown(deps, doomed);
  return { ...params, observed: params.observed.filter((p) => !names.has(p.namespace)) };
}

/**
 * A redeploy is the same preview made afresh: what `/preview keep` kept
 * stays kept (its namespace, and with it the mark, was deleted and made again).
 */
async function keepWhatWasKept(
  deps: GatedDeployDeps,
  params: GatedDeployParams,
  outcomes: TenantOutcome[],
): Promise<void> {
  // A failed deploy may leave its new namespace too: that one stays kept as well (gone is left gone).
  const made = new Set(outcomes.map((o) => o.target.namespace));
  const lost: (string | null)[] = [];
  for (const preview of params.observed) {
    if (!preview.keptBy) continue;
    const marked =
      made.has(preview.namespace) &&
      (await deps.cluster.markLifetime(preview.namespace, { keptBy: preview.keptBy }));
    if (!marked) lost.push(preview.tenant);
  }
  // Gone and not made again: the next deploy makes a preview nobody kept, and the row says so.
  if (lost.length > 0) await deps.comment.update((state) => withKeptBy(state, lost, undefined));
}
