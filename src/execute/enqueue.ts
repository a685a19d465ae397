import type { Services } from '../services.ts';
import type { PullRequestScope } from './job-scope.ts';

/**
 * Queues work for one pull request: in order behind its earlier work on this
 * replica, and under its Lease so that no other replica works on it meanwhile
 * (nor before this replica's outbox has written its comment).
 * Failures end here, in the log; the reconciler repairs what they left.
 */
/** What queueing needs of a job's scope: a job without GitHub (an orphan's destroy) has just this. */
export type QueueScope = Pick<PullRequestScope, 'queueKey' | 'logger' | 'githubSettled'> & {
  pr: Pick<PullRequestScope['pr'], 'repositoryId' | 'number'>;
};

export function enqueueForPullRequest(
  services: Services,
  scope: QueueScope,
  what: string,
  job: () => Promise<void>,
): Promise<void> {
  if (services.queue.isClosed) {
    // Thrown inside the webhook handler, so GitHub sees the delivery fail.
    throw new Error('shutting down: this replica takes no new work');
  }
  return services.queue
    .enqueue(scope.queueKey, () => services.locks.hold(scope.pr, job, scope.githubSettled))
    .catch((error: unknown) => scope.logger.error({ err: error }, `${what} failed`));
}
