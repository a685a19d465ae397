import type { Context, ProbotOctokit } from 'probot';
import { configFileName } from '../config/load-config.ts';
import type { AppIdentity } from '../github/app-identity.ts';
import { GitHubChartSource } from '../github/github-chart-source.ts';
import { GitHubCommitChecks } from '../github/github-commit-checks.ts';
import { GitHubDeployments } from '../github/github-deployments.ts';
import { retrySecondaryRateLimits } from '../github/secondary-rate-limit.ts';
import { StickyComment } from '../github/sticky-comment.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type {
  ChartSource,
  CommitChecks,
  DeploymentLog,
  Logger,
  Metrics,
  PreviewComment,
} from '../ports.ts';

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
  /** The pull request's head commit now, which a queued job's webhook may no longer show. */
  readHeadSha: () => Promise<string>;
}

/** One pull request's key in the work queue. */
export function queueKeyOf(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): string {
  return `${pr.repositoryId}#${pr.number}`;
}

type Octokit = InstanceType<typeof ProbotOctokit>;

type RepositoryEvent = Context<
  'pull_request' | 'issue_comment' | 'check_run' | 'check_suite' | 'status'
>;

export interface ScopeParams {
  octokit: Octokit;
  owner: string;
  repo: string;
  repositoryId: number;
  installationId: number;
  number: number;
  logger: Logger;
  metrics: Metrics;
  /** This app on GitHub: only its own comments are its sticky comment. */
  identity: AppIdentity;
  readConfig: () => Promise<unknown>;
}

/** Composes the GitHub side of one pull request, for a job started by a webhook or by the reconciler. */
export function scopeFor(params: ScopeParams): PullRequestScope {
  const { octokit, owner, repo, number } = params;
  retrySecondaryRateLimits(octokit, params.logger);
  octokit.hook.after('request', (response) => {
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) params.metrics.githubRateLimit(remaining);
  });
  return {
    pr: {
      owner,
      repo,
      repositoryId: params.repositoryId,
      installationId: params.installationId,
      number,
    },
    queueKey: queueKeyOf({ repositoryId: params.repositoryId, number }),
    logger: params.logger,
    comment: new StickyComment(octokit, { owner, repo, issue_number: number }, params.identity),
    chartSource: new GitHubChartSource(octokit, { owner, repo }),
    checks: new GitHubCommitChecks(octokit, { owner, repo }),
    deployments: new GitHubDeployments(octokit, { owner, repo }),
    readConfig: params.readConfig,
    readHeadSha: async () =>
      (await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data.head.sha,
  };
}

export function pullRequestScope(
  context: RepositoryEvent,
  number: number,
  services: { metrics: Metrics; identity: AppIdentity },
): PullRequestScope {
  const { repository } = context.payload;
  return scopeFor({
    octokit: context.octokit,
    owner: repository.owner.login,
    repo: repository.name,
    repositoryId: repository.id,
    installationId: (context.payload as { installation?: { id: number } }).installation?.id ?? 0,
    number,
    logger: (context.log as unknown as Logger).child({
      repo: repository.full_name,
      pr: number,
      delivery: context.id,
    }),
    metrics: services.metrics,
    identity: services.identity,
    readConfig: () => context.config(configFileName),
  });
}
