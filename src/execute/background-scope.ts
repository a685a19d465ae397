import type { Probot } from 'probot';
import { readRepositoryConfig } from '../github/repository-config.ts';
import type { Services } from '../services.ts';
import { scopeFor, type PullRequestScope } from './job-scope.ts';

/** A repository as the app knows it without a webhook: from GitHub's lists or a namespace's labels. */
export interface RepositoryRef {
  id: number;
  owner: string;
  name: string;
  installationId: number;
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
): Promise<PullRequestScope> {
  const octokit = await app.auth(repository.installationId);
  const repo = { owner: repository.owner, repo: repository.name };
  return scopeFor({
    octokit,
    ...repo,
    repositoryId: repository.id,
    installationId: repository.installationId,
    number,
    logger: services.logger.child({ repo: `${repo.owner}/${repo.repo}`, pr: number, component }),
    services,
    readConfig: () => readRepositoryConfig(octokit, repo),
  });
}
