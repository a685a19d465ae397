import type { Context } from 'probot';
import { configFileName } from '../config/load-config.ts';
import { runPullRequestJob } from '../execute/run-pull-request-job.ts';
import { GitHubChartSource } from '../github/github-chart-source.ts';
import { StickyComment } from '../github/sticky-comment.ts';
import type { Logger } from '../ports.ts';
import type { Services } from '../services.ts';

export const pullRequestActions = [
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.closed',
] as const;

/** Gathers the event's inputs, queues the work for its pull request and returns at once. */
export function handlePullRequest(services: Services) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    if (!services.deliveries.firstTime(context.id)) return;
    const { payload } = context;
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    const number = payload.pull_request.number;
    const logger = (context.log as unknown as Logger).child({
      repo: payload.repository.full_name,
      pr: number,
      delivery: context.id,
    });
    const pr = {
      owner,
      repo,
      repositoryId: payload.repository.id,
      installationId: (payload as { installation?: { id: number } }).installation?.id ?? 0,
      number,
    };
    const event = {
      action: payload.action,
      label: 'label' in payload ? payload.label?.name : undefined,
      labels: (payload.pull_request.labels ?? []).map((label) => label.name),
      headSha: payload.pull_request.head.sha,
      state: payload.pull_request.state,
    };
    services.queue
      .enqueue(`${pr.repositoryId}#${number}`, () =>
        runPullRequestJob(services, {
          pr,
          event,
          readConfig: () => context.config(configFileName),
          comment: new StickyComment(context.octokit, { owner, repo, issue_number: number }),
          chartSource: new GitHubChartSource(context.octokit, { owner, repo }),
          logger,
        }),
      )
      .catch((error: unknown) => logger.error({ err: error }, 'pull request job failed'));
  };
}
