import type { PullRequestRef } from './types.ts';

/**
 * What the app remembers of a commit whose deploy failed, so that the
 * reconciler does not render, apply and report it again at every pass.
 */
export interface FailureRecord {
  repositoryId: number;
  pullRequest: number;
  sha: string;
  /** The reason the comment shows, by tenant (`''` for a repository without tenants). */
  reasons: Record<string, string>;
  /** How many deploys failed at this commit in a row. */
  attempts: number;
  /** When the reconciler may try again (ms since the epoch). */
  retryAt: number;
  /** The app's settings at the failure: other settings may succeed, so they retry at once. */
  settings: string;
}

export interface Backoff {
  /** The wait after the first failure; it doubles with every failed retry. */
  firstMs: number;
  maxMs: number;
}

/**
 * The record after a deploy whose tenants failed with `reasons`. A retry by
 * the reconciler at the same commit and settings doubles the wait; anything
 * else (a push, a command, other settings) starts again from the first wait.
 */
export function recordFailure(params: {
  previous: FailureRecord | undefined;
  pr: Pick<PullRequestRef, 'repositoryId' | 'number'>;
  sha: string;
  reasons: Record<string, string>;
  byReconciler: boolean;
  settings: string;
  now: number;
  backoff: Backoff;
}): FailureRecord {
  const again = params.byReconciler ? knownFailureAt(params.previous, params) : undefined;
  const attempts = again ? again.attempts + 1 : 1;
  const wait = Math.min(params.backoff.firstMs * 2 ** (attempts - 1), params.backoff.maxMs);
  return {
    repositoryId: params.pr.repositoryId,
    pullRequest: params.pr.number,
    sha: params.sha,
    reasons: params.reasons,
    attempts,
    retryAt: params.now + wait,
    settings: params.settings,
  };
}

/** Whether the reconciler may deploy the pull request at `sha` now, given what failed before. */
export function retryDue(
  record: FailureRecord | undefined,
  current: { sha: string; settings: string; now: number },
): boolean {
  const known = knownFailureAt(record, current);
  return !known || known.retryAt <= current.now;
}

/** The failure recorded at this commit under these settings, if that is what the record says. */
export function knownFailureAt(
  record: FailureRecord | undefined,
  at: { sha: string; settings: string },
): FailureRecord | undefined {
  return record?.sha === at.sha && record.settings === at.settings ? record : undefined;
}

/** Whether a retry failed exactly as recorded: the same tenants, for the same reasons. */
export function sameFailure(record: FailureRecord, reasons: Record<string, string>): boolean {
  const before = Object.entries(record.reasons).sort(([a], [b]) => a.localeCompare(b));
  const now = Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(before) === JSON.stringify(now);
}
