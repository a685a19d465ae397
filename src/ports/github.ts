// What GitHub holds besides the comment: a commit's checks, and Deployments;
// and how far the app has looked through GitHub's failed deliveries.
// Adapters: github/github-commit-checks.ts, github/github-deployments.ts,
// deploy/kubernetes-delivery-window.ts.

import type { Logger } from './observability.ts';

import type { GateResult } from '../plan/check-gate.ts';

/** The checks and statuses GitHub holds for a commit. */
export interface CommitChecks {
  gate(sha: string, required: string[]): Promise<GateResult>;
}

/** A finished deploy of one environment at one commit, as GitHub Deployments show it. */
export interface DeploymentRecord {
  environment: string;
  sha: string;
  url: string;
  state: 'success' | 'failure';
  description?: string;
}

/**
 * GitHub Deployments: one per tenant and commit, so the pull request shows a
 * View deployment button. Writes are queued: nothing here waits for them.
 */
export interface DeploymentLog {
  record(deploy: DeploymentRecord): void;
  /** Marks the active deployments of each environment inactive. */
  deactivate(environments: string[]): Promise<void>;
}

/** A look at GitHub's failed deliveries under way: where the mark was, and a signal aborted once its Lease is lost. */
export interface DeliveryLook {
  checkedThrough: number | undefined;
  lost: AbortSignal;
}

/**
 * How far GitHub's failed deliveries have been looked through, and who looks
 * now: of several replicas starting at once, one looks.
 */
export interface DeliveryWindow {
  /** How often a waiting start tries the look again. */
  readonly retryPeriodMs: number;
  /** Takes the look (undefined mark: never looked), or false while another replica looks. */
  begin(logger: Logger): Promise<DeliveryLook | false>;
  /** Ends the look, the mark moved to `through` (or left where a later look put it). */
  finish(through: number): Promise<void>;
  /** Gives the look up without moving the mark: the next start looks again. */
  abandon(): Promise<void>;
}
