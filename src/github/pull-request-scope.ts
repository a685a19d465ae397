import type { Context, ProbotOctokit } from 'probot';
import { configFileName, configPath } from '../config/load-config.ts';
import { queueKeyOf, type PullRequestScope } from '../execute/job-scope.ts';
import type { Logger, Metrics } from '../ports.ts';
import { GitHubChartSource } from './github-chart-source.ts';
import { GitHubCommitChecks } from './github-commit-checks.ts';
import { GitHubDeployments } from './github-deployments.ts';
import { retrySecondaryRateLimits } from './secondary-rate-limit.ts';
import { StickyComment } from './sticky-comment.ts';

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
  readConfig: () => Promise<unknown>;
}

/** The GitHub side of one pull request, for a job started by a webhook or by the reconciler. */
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
    comment: new StickyComment(octokit, { owner, repo, issue_number: number }),
    chartSource: new GitHubChartSource(octokit, { owner, repo }),
    checks: new GitHubCommitChecks(octokit, { owner, repo }),
    deployments: new GitHubDeployments(octokit, { owner, repo }),
    readConfig: params.readConfig,
  };
}

export function pullRequestScope(
  context: RepositoryEvent,
  number: number,
  metrics: Metrics,
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
    metrics,
    readConfig: () => context.config(configFileName),
  });
}

/** `context.config` without a webhook: null when neither the repository nor its organisation has the file. */
export async function readRepositoryConfig(
  octokit: Octokit,
  repo: { owner: string; repo: string },
): Promise<unknown> {
  const { config, files } = await octokit.config.get({ ...repo, path: configPath });
  return files.every((file) => file.config === null) ? null : config;
}
