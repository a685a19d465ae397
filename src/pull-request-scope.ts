import type { Context, Probot } from 'probot';
import type { Octokit } from './github/octokit.ts';
import { configFileName } from './config/load-config.ts';
import { readRepositoryConfig } from './github/repository-config.ts';
import { GitHubConversation } from './github/pull-request-conversation.ts';
import type { RepositoryRef } from './plan/accepted-work.ts';
import type { Services } from './services.ts';
import type { AppIdentity } from './github/app-identity.ts';
import { GitHubChartSource } from './github/github-chart-source.ts';
import { GitHubCommitChecks } from './github/github-commit-checks.ts';
import { GitHubDeployments } from './github/github-deployments.ts';
import { retrySecondaryRateLimits } from './github/secondary-rate-limit.ts';
import type { Outboxes } from './github/outbox.ts';
import { StickyComment } from './github/sticky-comment.ts';
import type { PullRequestRef } from './plan/types.ts';
import type {
  ChartSource,
  CommentKey,
  CommentStore,
  CommitChecks,
  DeploymentLog,
  Logger,
  Metrics,
  PreviewComment,
  PullRequestConversation,
} from './ports.ts';
import { guardedBy, JobSignal } from './execute/lease-guard.ts';

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
  /** The pull request's head and whether it is a draft, as GitHub shows them now (a queued job's webhook may be older). */
  readHead: () => Promise<{ sha: string; draft: boolean }>;
  /** Stops the job when the pull request's Lease is lost; the queue ties it to the Lease. */
  stop: JobSignal;
}

/** With GitHub Deployments switched off, the sticky comment says it all. */
const noDeployments: DeploymentLog = {
  record: () => undefined,
  deactivate: () => Promise.resolve(),
};

/** One pull request's key in the work queue. */
export function queueKeyOf(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): string {
  return `${pr.repositoryId}#${pr.number}`;
}

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
  services: ScopeServices;
  readConfig: () => Promise<unknown>;
  /** The job's stop signal, when the queue made it before the scope (a resumed job). */
  stop?: JobSignal;
}

/** The long-lived parts a pull request's GitHub side is made of. */
export interface ScopeServices {
  metrics: Metrics;
  /** This app on GitHub: only its own comments are its sticky comment. */
  identity: AppIdentity;
  /** Where every GitHub write goes, paced per installation. */
  outboxes: Outboxes;
  comments: CommentStore;
  /** This replica's identity, as its Leases name it. */
  replica: string;
  settings: { githubDeployments: boolean };
}

/** Clients already given the app's hooks: one event's client serves several pull requests. */
const instrumented = new WeakSet<object>();

/** Secondary-limit retries and the rate-limit gauge, once per client however many jobs share it. */
function instrument(
  octokit: ScopeParams['octokit'],
  services: ScopeServices,
  logger: Logger,
): void {
  if (instrumented.has(octokit)) return;
  instrumented.add(octokit);
  retrySecondaryRateLimits(octokit, logger);
  octokit.hook.after('request', (response) => {
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) services.metrics.githubRateLimit(remaining);
  });
}

/** Composes the GitHub side of one pull request, for a job started by a webhook or by the reconciler. */
export function scopeFor(params: ScopeParams): PullRequestScope {
  const { octokit, owner, repo, number, services } = params;
  instrument(octokit, services, params.logger);
  const outbox = services.outboxes.of(params.installationId);
  const stop = params.stop ?? new JobSignal();
  const comment = stickyCommentOf(octokit, services, {
    owner,
    repo,
    number,
    repositoryId: params.repositoryId,
    installationId: params.installationId,
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
    comment: guardedBy(comment, stop),
    chartSource: new GitHubChartSource(octokit, { owner, repo }),
    checks: new GitHubCommitChecks(octokit, { owner, repo }),
    deployments: services.settings.githubDeployments
      ? new GitHubDeployments(octokit, { owner, repo }, outbox)
      : noDeployments,
    readConfig: params.readConfig,
    readHead: async () => {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
      return { sha: data.head.sha, draft: data.draft === true };
    },
    stop,
  };
}

export function pullRequestScope(
  context: RepositoryEvent,
  number: number,
  services: ScopeServices,
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
    services,
    readConfig: () => context.config(configFileName),
  });
}

/**
 * The scope of a job that no webhook started (the reconciler's, a wake's):
 * the installation's own client, and the configuration read from GitHub.
 */
export async function backgroundScope(
  app: Probot,
  services: Services,
  repository: RepositoryRef,
  number: number,
  component: string,
  more: { stop?: JobSignal; logger?: Logger } = {},
): Promise<PullRequestScope & { conversation: () => PullRequestConversation }> {
  const octokit = await app.auth(repository.installationId);
  const repo = { owner: repository.owner, repo: repository.name };
  const scope = scopeFor({
    octokit,
    ...repo,
    repositoryId: repository.id,
    installationId: repository.installationId,
    number,
    logger:
      more.logger ??
      services.logger.child({ repo: `${repo.owner}/${repo.repo}`, pr: number, component }),
    services,
    readConfig: () => readRepositoryConfig(octokit, repo),
    ...(more.stop ? { stop: more.stop } : {}),
  });
  return {
    ...scope,
    conversation: () =>
      conversationOf(octokit, { ...repo, number }, services.outboxes.of(repository.installationId)),
  };
}

/** The replies and reactions of one pull request, through the installation's outbox. */
export function conversationOf(
  octokit: Octokit,
  pullRequest: { owner: string; repo: string; number: number },
  outbox: ReturnType<Outboxes['of']>,
): PullRequestConversation {
  return new GitHubConversation(octokit, pullRequest, outbox);
}

/** A pull request's sticky comment: its state in the cluster's store, sent through the installation's outbox. */
export function stickyCommentOf(
  octokit: Octokit,
  services: ScopeServices,
  key: CommentKey,
): StickyComment {
  return new StickyComment(octokit, key, {
    identity: services.identity,
    outbox: services.outboxes.of(key.installationId),
    store: services.comments,
    replica: services.replica,
  });
}
