import type { Probot } from 'probot';
import type { KnownRepository } from '../plan/plan-reconcile.ts';

export interface InstalledRepositories {
  installationIds: number[];
  repositories: KnownRepository[];
}

/** Every installation, its repositories and their open pull requests: one list of pulls per repository. */
export async function listInstalledRepositories(app: Probot): Promise<InstalledRepositories> {
  const appOctokit = await app.auth();
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, {
    per_page: 100,
  });
  const repositories: KnownRepository[] = [];
  for (const installation of installations) {
    const octokit = await app.auth(installation.id);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, {
      per_page: 100,
    });
    for (const repo of repos) {
      const pulls = await octokit.paginate(octokit.rest.pulls.list, {
        owner: repo.owner.login,
        repo: repo.name,
        state: 'open',
        per_page: 100,
      });
      repositories.push({
        id: repo.id,
        owner: repo.owner.login,
        name: repo.name,
        installationId: installation.id,
        openPulls: pulls.map((pull) => ({
          number: pull.number,
          headSha: pull.head.sha,
          labels: pull.labels.map((label) => label.name ?? ''),
          fromFork: !pull.head.repo || pull.head.repo.full_name !== repo.full_name,
        })),
      });
    }
  }
  return { installationIds: installations.map((i) => i.id), repositories };
}
