import type { PullRequestRef } from '../plan/types.ts';
import type { ChartSource, CommitChecks, DeploymentLog, Logger, PreviewComment } from '../ports.ts';

/** Everything a job about one pull request needs, gathered from its webhook. */
export interface PullRequestScope {
  pr: PullRequestRef;
  queueKey: string;
  logger: Logger;
  comment: PreviewComment;
  chartSource: ChartSource;
  checks: CommitChecks;
  deployments: DeploymentLog;
  /** Reads `.github/preview.yml` (Probot's `context.config`); null when absent. */
  readConfig: () => Promise<unknown>;
}

/** One pull request's key in the work queue. */
export function queueKeyOf(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): string {
  return `${pr.repositoryId}#${pr.number}`;
}
