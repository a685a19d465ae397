import type { PullRequestRef } from '../plan/types.ts';
import type { Logger } from '../ports.ts';
import type { KubernetesLeases } from '../deploy/kubernetes-lease.ts';
import { HeldLease, type LeaseClient } from './held-lease.ts';

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

/** One Lease per pull request and installation of the app: two installations never share one. */
export function pullRequestLeaseName(instance: string, pr: PullRequestKey): string {
  return `pr-preview-${instance}-pr-${pr.repositoryId}-${pr.number}`;
}

/**
 * Keeps two replicas off one pull request: a job runs only while its
 * replica holds the pull request's Lease, renewed for as long as it runs and
 * given up as soon as it ends. What the job told GitHub does not need the
 * Lease: the comment's state is in the cluster, and any replica's outbox
 * sends the newest.
 */
export class PullRequestLocks {
  private readonly leases: LeaseClient & Pick<KubernetesLeases, 'isHeld'>;
  private readonly logger: Logger;
  private readonly instance: string;
  /** Stops waiting for Leases: the replica is shutting down. */
  private readonly stopping = new AbortController();

  constructor(
    leases: LeaseClient & Pick<KubernetesLeases, 'isHeld'>,
    logger: Logger,
    instance: string,
  ) {
    this.leases = leases;
    this.logger = logger;
    this.instance = instance;
  }

  /** Whether some replica works on the pull request now. */
  isHeld(pr: PullRequestKey): Promise<boolean> {
    return this.leases.isHeld(pullRequestLeaseName(this.instance, pr));
  }

  /**
   * Waits for the pull request's Lease (as long as it takes, until the
   * replica stops), runs `job` under it with a signal that aborts if the
   * Lease is lost, and gives the Lease up when `job` ends.
   */
  async hold<T>(pr: PullRequestKey, job: (lease: AbortSignal) => Promise<T>): Promise<T> {
    const name = pullRequestLeaseName(this.instance, pr);
    let said = false;
    const lease = await HeldLease.acquire(this.leases, name, {
      logger: this.logger,
      signal: this.stopping.signal,
      onWait: () => {
        if (!said)
          this.logger.info({ lease: name }, 'another replica works on this pull request; waiting');
        said = true;
      },
    });
    try {
      return await job(lease.signal);
    } finally {
      await lease.release();
    }
  }

  /** Work still waiting for a Lease gives up: accepted work stays recorded for the next start. */
  stopWaiting(): void {
    this.stopping.abort(new Error('shutting down: no longer waiting for a pull request Lease'));
  }
}
