import type { Context } from 'probot';
import { runPullRequestJob } from '../execute/run-pull-request-job.ts';
import { enqueueForPullRequest } from '../execute/enqueue.ts';
import type { Services } from '../services.ts';
import { pullRequestScope } from '../execute/job-scope.ts';

export const pullRequestActions = [
  'pull_request.opened',
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.closed',
] as const;

/** Pushes that change a pull request's head, as GitHub reports them. */
const headChanges = ['opened', 'synchronize', 'reopened'];

/** Gathers the event's inputs, queues the work for its pull request and returns at once. */
export function handlePullRequest(services: Services) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    if (!services.deliveries.firstTime(context.id)) return;
    const { payload } = context;
    const scope = pullRequestScope(context, payload.pull_request.number, services);
    const fromFork =
      !payload.pull_request.head.repo ||
      payload.pull_request.head.repo.full_name !== payload.repository.full_name;
    const pr = { repositoryId: payload.repository.id, number: payload.pull_request.number };
    // When a fork's head was pushed, by GitHub's clock: an approval covers only what was there.
    if (fromFork && headChanges.includes(payload.action)) {
      await services.headLog.record(
        pr,
        payload.pull_request.head.sha,
        Date.parse(payload.pull_request.updated_at),
      );
    }
    if (payload.action === 'opened') return;
    if (payload.action === 'closed' && fromFork) {
      await services.headLog
        .forget(pr)
        .catch((error: unknown) =>
          scope.logger.warn({ err: error }, 'could not forget the heads of a fork'),
        );
    }
    const event = {
      action: payload.action,
      label: 'label' in payload ? payload.label?.name : undefined,
      labels: (payload.pull_request.labels ?? []).map((label) => label.name),
      headSha: payload.pull_request.head.sha,
      state: payload.pull_request.state,
      fromFork,
    };
    void enqueueForPullRequest(services, scope, 'pull request job', () =>
      runPullRequestJob(services, { ...scope, event }),
    );
  };
}
