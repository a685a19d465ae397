import { renewalVerdict } from '../plan/lease.ts';
import type { Logger } from '../ports.ts';
import type { KubernetesLeases } from '../deploy/kubernetes-lease.ts';

/** Why work stopped: the Lease it ran under went to another replica, or could not be renewed. */
export class LeaseLost extends Error {
  constructor(name: string, why: string) {
    super(`lost the Lease ${name}: ${why}; the work stops here`);
  }
}

/** The Leases a holder needs: taking, renewing and giving one up, and their timings. */
export type LeaseClient = Pick<
  KubernetesLeases,
  'tryAcquire' | 'release' | 'timings' | 'durationMs'
>;

/**
 * A Lease this replica holds, renewed as client-go's leader election renews:
 * every retry period; a renewal that fails is tried again until the renew
 * deadline, and then the Lease counts as lost; a Lease another replica took
 * is lost at once. Loss aborts `signal`, so the work under it stops before
 * its next write.
 */
export class HeldLease {
  readonly name: string;
  private readonly leases: LeaseClient;
  private readonly logger: Logger;
  private readonly controller = new AbortController();
  private lastRenewedAt: number;
  private timer: NodeJS.Timeout | undefined;
  /** Fires at the renew deadline whatever a renewal under way is doing (a request that hangs). */
  private watchdog: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(leases: LeaseClient, name: string, logger: Logger) {
    this.leases = leases;
    this.name = name;
    this.logger = logger;
    this.lastRenewedAt = Date.now();
    this.armWatchdog();
    this.schedule();
  }

  /**
   * Waits until the Lease is this replica's, trying every retry period;
   * errors are logged and tried again (a missing Lease namespace included,
   * which /readyz reports). Rejects only when `signal` aborts (shutdown).
   */
  static async acquire(
    leases: LeaseClient,
    name: string,
    options: { logger: Logger; signal?: AbortSignal; onWait?: () => void },
  ): Promise<HeldLease> {
    let lastProblem = '';
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        if (await leases.tryAcquire(name)) return new HeldLease(leases, name, options.logger);
        options.onWait?.();
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== lastProblem) {
          options.logger.warn(
            { err: error, lease: name },
            'could not take the Lease; trying again',
          );
          lastProblem = problem;
        }
      }
      await pause(leases.timings.retryPeriodMs, options.signal);
    }
  }

  /** One try: the Lease if it is free (or this replica's), else undefined. */
  static async tryTake(
    leases: LeaseClient,
    name: string,
    logger: Logger,
  ): Promise<HeldLease | undefined> {
    return (await leases.tryAcquire(name)) ? new HeldLease(leases, name, logger) : undefined;
  }

  /** Aborted when the Lease is lost, with a LeaseLost as its reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops renewing and gives the Lease up (deleted, or kept empty), after a renewal under way. */
  async release(options: { keep?: boolean } = {}): Promise<void> {
    this.stop();
    await this.renewing;
    if (this.controller.signal.aborted) return;
    await this.leases
      .release(this.name, options)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, lease: this.name }, 'could not release the Lease'),
      );
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.renewing = this.renew();
    }, this.leases.timings.retryPeriodMs);
    this.timer.unref();
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const { renewDeadlineMs } = this.leases.timings;
    this.watchdog = setTimeout(
      () => this.lose(`the Lease could not be renewed for ${Math.round(renewDeadlineMs / 1000)} s`),
      renewDeadlineMs,
    );
    this.watchdog.unref();
  }

  private lose(why: string): void {
    if (this.stopped) return;
    this.stop();
    this.logger.warn({ lease: this.name, why }, 'lost the Lease; stopping its work');
    this.controller.abort(new LeaseLost(this.name, why));
  }

  private async renew(): Promise<void> {
    let outcome: 'renewed' | 'taken' | 'failed';
    try {
      outcome = (await this.leases.tryAcquire(this.name)) ? 'renewed' : 'taken';
    } catch (error) {
      outcome = 'failed';
      this.logger.warn({ err: error, lease: this.name }, 'could not renew the Lease');
    }
    if (this.stopped) return;
    const now = Date.now();
    if (outcome === 'renewed') {
      this.lastRenewedAt = now;
      this.armWatchdog();
    }
    const verdict = renewalVerdict({
      outcome,
      lastRenewedAt: this.lastRenewedAt,
      now,
      renewDeadlineMs: this.leases.timings.renewDeadlineMs,
    });
    if (verdict.keep) this.schedule();
    else this.lose(verdict.why);
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
