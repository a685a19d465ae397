import type { PullRequestRef } from '../plan/types.ts';
import type { Logger } from '../ports.ts';
import type { KubernetesLeases } from '../deploy/kubernetes-lease.ts';
import { HeldLease, pause, type LeaseClient } from './held-lease.ts';
import type { Gate } from './keyed-queue.ts';

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
   * What a job of the pull request holds while it runs: its Lease, taken
   * when free (an error counts as not free, logged once), renewed while the
   * job runs, and given up when it ends; between tries the job waits a
   * retry period outside its slot, until the replica stops.
   */
  gate(pr: PullRequestKey): Gate<HeldLease> {
    const name = pullRequestLeaseName(this.instance, pr);
    let said = '';
    const say = (what: string, details: object) => {
      if (said !== what) this.logger.info({ lease: name, ...details }, what);
      said = what;
    };
    return {
      enter: async () => {
        try {
          const held = await HeldLease.tryTake(this.leases, name, this.logger);
          if (!held) say('another replica works on this pull request; waiting', {});
          return held;
        } catch (error) {
          say('could not take the pull request Lease; trying again', { err: error });
          return undefined;
        }
      },
      wait: () => pause(this.leases.timings.retryPeriodMs, this.stopping.signal),
    };
  }

  /** Runs `job` under the pull request's Lease (for work outside the queue, and tests). */
  async hold<T>(pr: PullRequestKey, job: (lease: AbortSignal) => Promise<T>): Promise<T> {
    const gate = this.gate(pr);
    for (;;) {
      const held = await gate.enter();
      if (held) {
        try {
          return await job(held.signal);
        } finally {
          await held.release();
        }
      }
      await gate.wait();
    }
  }

  /** Work still waiting for a Lease gives up: accepted work stays recorded for the next start. */
  stopWaiting(): void {
    this.stopping.abort(new Error('shutting down: no longer waiting for a pull request Lease'));
  }
}
