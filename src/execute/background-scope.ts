import type { Probot } from 'probot';
import { readRepositoryConfig } from '../github/repository-config.ts';
import type { RepositoryRef } from '../plan/accepted-work.ts';
import type { Services } from '../services.ts';
import {
  GitHubConversation,
  type PullRequestConversation,
} from '../github/pull-request-conversation.ts';
import type { Logger } from '../ports.ts';
import type { JobSignal } from './lease-guard.ts';
import { scopeFor, type PullRequestScope } from './job-scope.ts';

export type { RepositoryRef };

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
      new GitHubConversation(
        octokit,
        { ...repo, number },
        services.outboxes.of(repository.installationId),
      ),
  };
}
