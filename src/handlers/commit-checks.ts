import type { Context, Probot } from 'probot';
import { acceptJob } from '../execute/accepted-jobs.ts';
import { rowsWaitingOn } from '../plan/comment-rows.ts';
import { repositoryOf } from './pull-request.ts';
import type { Services } from '../services.ts';
import { pullRequestScope } from '../pull-request-scope.ts';

export const commitCheckEvents = [
  'check_run.completed',
  'check_suite.completed',
  'status',
] as const;

type CheckEvent = Context<'check_run.completed' | 'check_suite.completed' | 'status'>;

/** A check or status settled on a commit: resume the pull requests waiting for it. */
export function handleCommitCheck(app: Probot, services: Services) {
  return async (context: CheckEvent): Promise<void> => {
    const found = commitOf(context);
    if (!found) return;
    if (services.deliveries.has(context.id)) return;
    let numbers = found.pullRequests;
    if (numbers.length === 0) {
      // Statuses, and checks of forks, do not name their pull requests.
      const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        ...context.repo(),
        commit_sha: found.sha,
      });
      numbers = data.filter((pull) => pull.state === 'open').map((pull) => pull.number);
    }
    // Only pull requests with rows waiting on this commit have work: most checks concern none.
    const waiting = await Promise.all(
      numbers.map(async (number) => {
        const stored = await services.comments.read({
          ...repositoryKey(context.payload),
          number,
        });
        return stored && rowsWaitingOn(stored.state, found.sha).length > 0 ? [number] : [];
      }),
    );
    if (waiting.flat().length === 0) {
      context.log.debug(
        { sha: found.sha, pullRequests: numbers },
        'no preview waits on this commit',
      );
      return;
    }
    await Promise.all(
      waiting.flat().map((number) =>
        acceptJob(
          app,
          services,
          {
            repository: repositoryOf(context.payload),
            number,
            delivery: context.id,
            acceptedAt: Date.now(),
            work: { kind: 'checks', sha: found.sha },
          },
          { scope: pullRequestScope(context, number, services) },
        ),
      ),
    );
  };
}

function commitOf(context: CheckEvent): { sha: string; pullRequests: number[] } | undefined {
  const payload = context.payload;
  if ('check_run' in payload) {
    return {
      sha: payload.check_run.head_sha,
      pullRequests: payload.check_run.pull_requests.map((p) => p.number),
    };
  }
  if ('check_suite' in payload) {
    return {
      sha: payload.check_suite.head_sha,
      pullRequests: payload.check_suite.pull_requests.map((p) => p.number),
    };
  }
  if (payload.state === 'pending') return undefined;
  return { sha: payload.sha, pullRequests: [] };
}

/** The comment store's key of the event's repository, without the pull request. */
function repositoryKey(payload: CheckEvent['payload']) {
  const repository = repositoryOf(payload);
  return {
    repositoryId: repository.id,
    installationId: repository.installationId,
    owner: repository.owner,
    repo: repository.name,
  };
}
