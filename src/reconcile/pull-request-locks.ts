import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesLeases } from '../deploy/kubernetes-lease.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { Logger } from '../ports.ts';

const maxWaitMs = 10 * 60_000;

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

function leaseName(pr: PullRequestKey): string {
  return `pr-preview-pr-${pr.repositoryId}-${pr.number}`;
}

/**
 * Keeps two replicas off one pull request: a job runs only while its
 * replica holds the pull request's Lease, renewed for as long as it runs.
 */
export class PullRequestLocks {
  private readonly leases: KubernetesLeases;
  private readonly logger: Logger;

  constructor(leases: KubernetesLeases, logger: Logger) {
    this.leases = leases;
    this.logger = logger;
  }

  /** Whether some replica works on the pull request now. */
  isHeld(pr: PullRequestKey): Promise<boolean> {
    return this.leases.isHeld(leaseName(pr));
  }

  async hold<T>(pr: PullRequestKey, job: () => Promise<T>): Promise<T> {
    const name = leaseName(pr);
    const deadline = Date.now() + maxWaitMs;
    while (!(await this.leases.tryAcquire(name))) {
      if (Date.now() > deadline)
        throw new Error(`lease ${name} stayed with another replica for ${maxWaitMs / 60_000} min`);
      await sleep(500);
    }
    const renewal = setInterval(() => {
      this.leases.tryAcquire(name).then(
        (held) =>
          held || this.logger.warn({ lease: name }, 'lost the pull request lease while working'),
        (error: unknown) =>
          this.logger.warn({ err: error, lease: name }, 'could not renew the pull request lease'),
      );
    }, this.leases.renewEveryMs);
    try {
      return await job();
    } finally {
      clearInterval(renewal);
      await this.leases
        .release(name)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, lease: name }, 'could not release the pull request lease'),
        );
    }
  }
}
