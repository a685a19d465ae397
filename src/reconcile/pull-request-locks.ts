import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesLeases } from '../deploy/kubernetes-lease.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { Logger } from '../ports.ts';

const maxWaitMs = 10 * 60_000;

type PullRequestKey = Pick<PullRequestRef, 'repositoryId' | 'number'>;

/** One Lease per pull request and installation of the app: two installations never share one. */
function leaseName(instance: string, pr: PullRequestKey): string {
  return `pr-preview-${instance}-pr-${pr.repositoryId}-${pr.number}`;
}

/**
 * Keeps two replicas off one pull request: a job runs only while its
 * replica holds the pull request's Lease, renewed for as long as it runs.
 */
export class PullRequestLocks {
  private readonly leases: KubernetesLeases;
  private readonly logger: Logger;
  private readonly instance: string;
  private readonly holding = new Map<string, Holding>();
  private readonly releasing = new Map<string, Promise<void>>();

  constructor(leases: KubernetesLeases, logger: Logger, instance: string) {
    this.leases = leases;
    this.logger = logger;
    this.instance = instance;
  }

  /** Whether some replica works on the pull request now. */
  isHeld(pr: PullRequestKey): Promise<boolean> {
    return this.leases.isHeld(leaseName(this.instance, pr));
  }

  /**
   * Runs the job under the pull request's Lease. The Lease is given up once
   * `settled` resolves too (the job's GitHub writes have left this replica's
   * outbox), so another replica never reads a comment this one has yet to
   * write; the job's queue slot is free meanwhile.
   */
  async hold<T>(
    pr: PullRequestKey,
    job: () => Promise<T>,
    settled: () => Promise<void> = () => Promise.resolve(),
  ): Promise<T> {
    const name = leaseName(this.instance, pr);
    let holding = this.holding.get(name);
    if (!holding) {
      // A release of this replica's own still under way must not undo the acquire below.
      await this.releasing.get(name);
      const deadline = Date.now() + maxWaitMs;
      while (!(await this.leases.tryAcquire(name))) {
        if (Date.now() > deadline)
          throw new Error(
            `lease ${name} stayed with another replica for ${maxWaitMs / 60_000} min`,
          );
        await sleep(500);
      }
      // Another job of this replica may have taken it while this one waited.
      holding = this.holding.get(name) ?? this.renew(name);
    }
    holding.users += 1;
    try {
      return await job();
    } finally {
      void settled()
        .catch(() => undefined)
        .then(() => this.letGo(name));
    }
  }

  /** Resolves once the releases under way have ended (after the outbox is idle, all of them). */
  async released(): Promise<void> {
    // Jobs whose writes just left give their Leases up in the next turns.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(this.releasing.values());
  }

  private renew(name: string): Holding {
    const renewal = setInterval(() => {
      this.leases.tryAcquire(name).then(
        (held) =>
          held || this.logger.warn({ lease: name }, 'lost the pull request lease while working'),
        (error: unknown) =>
          this.logger.warn({ err: error, lease: name }, 'could not renew the pull request lease'),
      );
    }, this.leases.renewEveryMs);
    const holding = { users: 0, renewal };
    this.holding.set(name, holding);
    return holding;
  }

  private letGo(name: string): void {
    const holding = this.holding.get(name);
    if (!holding || --holding.users > 0) return;
    clearInterval(holding.renewal);
    this.holding.delete(name);
    const released = this.leases
      .release(name)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, lease: name }, 'could not release the pull request lease'),
      )
      .finally(() => {
        if (this.releasing.get(name) === released) this.releasing.delete(name);
      });
    this.releasing.set(name, released);
  }
}

interface Holding {
  /** Jobs of this replica under the Lease, and finished jobs whose writes are still queued. */
  users: number;
  renewal: NodeJS.Timeout;
}
