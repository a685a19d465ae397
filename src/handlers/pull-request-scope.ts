import type { Context } from 'probot';
import { configFileName } from '../config/load-config.ts';
import { GitHubChartSource } from '../github/github-chart-source.ts';
import { GitHubCommitChecks } from '../github/github-commit-checks.ts';
import { GitHubDeployments } from '../github/github-deployments.ts';
import { StickyComment } from '../github/sticky-comment.ts';
import type { PullRequestScope } from '../execute/job-scope.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { Logger } from '../ports.ts';

type RepositoryEvent = Context<
  'pull_request' | 'issue_comment' | 'check_run' | 'check_suite' | 'status'
>;

export function pullRequestScope(context: RepositoryEvent, number: number): PullRequestScope {
  const { repository } = context.payload;
  const owner = repository.owner.login;
  const repo = repository.name;
  const pr: PullRequestRef = {
    owner,
    repo,
    repositoryId: repository.id,
    installationId: (context.payload as { installation?: { id: number } }).installation?.id ?? 0,
    number,
  };
  return {
    pr,
    queueKey: `${pr.repositoryId}#${number}`,
    logger: (context.log as unknown as Logger).child({
      repo: repository.full_name,
      pr: number,
      delivery: context.id,
    }),
    comment: new StickyComment(context.octokit, { owner, repo, issue_number: number }),
    chartSource: new GitHubChartSource(context.octokit, { owner, repo }),
    checks: new GitHubCommitChecks(context.octokit, { owner, repo }),
    deployments: new GitHubDeployments(context.octokit, { owner, repo }),
    readConfig: () => context.config(configFileName),
  };
}
