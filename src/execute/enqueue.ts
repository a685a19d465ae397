import type { HeldLease } from '../queue/held-lease.ts';
import type { Services } from '../services.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';

/** What queueing needs of a job's scope: a job without GitHub (an orphan's destroy) has just this. */
export type QueueScope = Pick<PullRequestScope, 'queueKey' | 'logger' | 'stop'> & {
  pr: Pick<PullRequestScope['pr'], 'repositoryId' | 'number'>;
};

/** The queue of this replica and the Leases across replicas. */
export type QueueServices = Pick<Services, 'queue' | 'locks'>;

/**
 * Queues work for one pull request: in order behind its earlier work on this
 * replica, and under its Lease so that no other replica works on it
 * meanwhile. A job takes the Lease once it has a slot, gives the slot back
 * while another replica holds it, and losing it stops the job (its scope's
 * ports refuse further calls).
 * Failures end here, in the log; the reconciler repairs what they left.
 */
export function enqueueForPullRequest(
  services: QueueServices,
  scope: QueueScope,
  what: string,
  job: () => Promise<void>,
): Promise<void> {
  if (services.queue.isClosed) {
    throw new Error('shutting down: this replica takes no new work');
  }
  return services.queue
    .enqueue(
      scope.queueKey,
      (lease: HeldLease) => {
        scope.stop.follow(lease.signal);
        return job();
      },
      services.locks.gate(scope.pr),
    )
    .catch((error: unknown) => scope.logger.error({ err: error }, `${what} failed`));
}
