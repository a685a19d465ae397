import type { Probot } from 'probot';
import type { KnownRepository } from '../plan/plan-reconcile.ts';

export interface InstalledRepositories {
  installationIds: number[];
  repositories: KnownRepository[];
  /**
   * What could not be listed this time: the reconciler leaves their previews
   * alone rather than take them for removed.
   */
  unavailable: { installationIds: number[]; repositoryIds: number[] };
  errors: { where: string; error: unknown }[];
}

/**
 * Every installation, its repositories and their open pull requests: one list
 * of pulls per repository. One installation or repository that fails to list
 * is set aside, and the rest is listed all the same.
 */
export async function listInstalledRepositories(app: Probot): Promise<InstalledRepositories> {
  const appOctokit = await app.auth();
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, {
    per_page: 100,
  });
  const result: InstalledRepositories = {
    installationIds: installations.map((i) => i.id),
    repositories: [],
    unavailable: { installationIds: [], repositoryIds: [] },
    errors: [],
  };
  for (const installation of installations) {
    let octokit: Awaited<ReturnType<Probot['auth']>>;
    let repos: Awaited<ReturnType<typeof listRepositories>>;
    try {
      octokit = await app.auth(installation.id);
      repos = await listRepositories(octokit);
    } catch (error) {
      result.unavailable.installationIds.push(installation.id);
      result.errors.push({ where: `installation ${installation.id}`, error });
      continue;
    }
    for (const repo of repos) {
      try {
        const pulls = await octokit.paginate(octokit.rest.pulls.list, {
          owner: repo.owner.login,
          repo: repo.name,
          state: 'open',
          per_page: 100,
        });
        result.repositories.push({
          id: repo.id,
          owner: repo.owner.login,
          name: repo.name,
          installationId: installation.id,
          openPulls: pulls.map((pull) => ({
            number: pull.number,
            headSha: pull.head.sha,
            labels: pull.labels.map((label) => label.name ?? ''),
            fromFork: !pull.head.repo || pull.head.repo.full_name !== repo.full_name,
            draft: pull.draft === true,
          })),
        });
      } catch (error) {
        result.unavailable.repositoryIds.push(repo.id);
        result.errors.push({ where: repo.full_name, error });
      }
    }
  }
  return result;
}

function listRepositories(octokit: Awaited<ReturnType<Probot['auth']>>) {
  return octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
}
