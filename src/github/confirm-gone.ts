import type { Probot } from 'probot';
import { githubStatusOf } from './octokit.ts';
import type { ReconcileAction } from '../plan/plan-reconcile.ts';
import type { Sighting } from '../plan/confirm-destroy.ts';

type DestroyAction = Extract<ReconcileAction, { kind: 'destroy' }>;

/**
 * Asks GitHub directly about what a reconcile destroy is for: the pull
 * request (closed or open), the repository by its id (found by the
 * installation, and the app installed on it, or not), the installation
 * (found by the app or not).
 * Anything but a clear answer is `unknown`.
 */
export async function sightingOf(app: Probot, action: DestroyAction): Promise<Sighting> {
  try {
    if (action.reason === 'app uninstalled') {
      const octokit = await app.auth();
      await octokit.rest.apps.getInstallation({ installation_id: action.installationId });
      return 'present';
    }
    const octokit = await app.auth(action.installationId);
    if (action.reason === 'repository removed') {
      // By id: a namespace may not record the name, and a renamed repository keeps its id.
      const { data } = await octokit.request('GET /repositories/{repository_id}', {
        repository_id: action.repositoryId,
      });
      // A public repository answers any token: whether the app is installed on it says more.
      const asApp = await app.auth();
      await asApp.rest.apps.getRepoInstallation({ owner: data.owner.login, repo: data.name });
      return 'present';
    }
    if (action.reason === 'pull request closed' && action.repository) {
      const { data } = await octokit.rest.pulls.get({
        owner: action.repository.owner,
        repo: action.repository.name,
        pull_number: action.pullRequest,
      });
      return data.state === 'open' ? 'present' : 'gone';
    }
    return 'unknown';
  } catch (error) {
    const status = githubStatusOf(error);
    const { response } = error as { response?: { headers?: Record<string, string | undefined> } };
    // A rate limit (403 with retry-after, or none left) says nothing of what is asked about.
    const limited =
      response?.headers?.['retry-after'] !== undefined ||
      response?.headers?.['x-ratelimit-remaining'] === '0' ||
      /rate limit/i.test((error as Error).message ?? '');
    // Not found, or no longer visible to the app: gone for the app's purposes.
    return status === 404 || (status === 403 && !limited) ? 'gone' : 'unknown';
  }
}
