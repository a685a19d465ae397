// What GitHub holds besides the comment: a commit's checks, and Deployments.
// Adapters: github/github-commit-checks.ts, github/github-deployments.ts.

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
