// What GitHub holds besides the comment (the pull request's conversation, a
// commit's checks, Deployments), and how far the app has looked through
// GitHub's failed deliveries. Adapters: github/pull-request-conversation.ts,
// github/github-commit-checks.ts, github/github-deployments.ts,
// deploy/kubernetes-delivery-window.ts.

import type { GateResult } from '../plan/check-gate.ts';
import type { CollaboratorPermission } from '../plan/permissions.ts';
import type { Reaction } from '../plan/types.ts';
import type { Logger } from './observability.ts';

/** The pull request's conversation: its head, who may do what, replies and reactions. */
export interface PullRequestConversation {
  pullRequest(): Promise<{ headSha: string; state: 'open' | 'closed'; fromFork: boolean }>;
  permissionOf(user: string): Promise<CollaboratorPermission>;
  /** Queued first in the outbox; resolves true once sent, false when given up. */
  reply(body: string): Promise<boolean>;
  /** Queued first in the outbox; resolves true once sent, false when given up. */
  react(commentId: number, reaction: Reaction): Promise<boolean>;
}

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
