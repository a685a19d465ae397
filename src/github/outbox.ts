import { githubStatusOf } from './octokit.ts';
import type { Logger } from '../ports.ts';
import type { WriteBudget } from './write-budget.ts';

/**
 * What goes first when writes queue up: answers to a command, then the sticky
 * comment people wait for, then GitHub Deployments.
 */
export const writePriority = { conversation: 0, comment: 1, deployment: 2 } as const;
export type WritePriority = keyof typeof writePriority;

interface QueuedWrite {
  key: string;
  priority: number;
  /** When the first write of this key still waiting was queued: a newer one keeps its place. */
  queuedAt: number;
  send: () => Promise<void>;
  /** False when there is nothing left to send (a state GitHub already holds): no budget is spent. */
  isDue: () => boolean;
  /** Requests `send` makes. */
  writes: number;
}

export interface WriteOptions {
  /** False when there is nothing left to send by the write's turn; nothing is spent then. */
  isDue?: () => boolean;
  /** How many requests the write makes, one after another (default 1). */
  writes?: number;
  /** Its place in the queue, when it goes on from an earlier write (default: now). */
  queuedAt?: number;
}

const defaultPauseSeconds = 60;

/**
 * Every GitHub write of one installation, in one queue, so that cluster work
 * never waits for GitHub. A write queued under the key of one still waiting
 * replaces it: only the newest sticky comment or deployment state is sent.
 * Writes leave one at a time, most urgent first, as the budget allows; a
 * secondary rate limit pauses the queue for as long as GitHub asks, its
 * writes kept in it (in this process: what must outlive a restart, the
 * comment's state and a command's answer, is kept in the cluster too).
 */
export class InstallationOutbox {
  private readonly waiting = new Map<string, QueuedWrite>();
  private readonly inFlight = new Set<string>();
  private sending = false;
  private pausedUntil = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly keyWaiters = new Map<string, ((sent: boolean) => void)[]>();

  private readonly installationId: number;
  private readonly budget: WriteBudget;
  private readonly logger: Logger;

  constructor(installationId: number, budget: WriteBudget, logger: Logger) {
    this.installationId = installationId;
    this.budget = budget;
    this.logger = logger;
  }

  /**
   * Queues a write. A unique key is never coalesced; a key already waiting
   * is replaced by this write. Resolves once no write of the key is left:
   * true when the last one was sent (or had nothing left to send), false
   * when it was given up (it never rejects: the log says why).
   */
  put(
    key: string,
    priority: WritePriority,
    send: () => Promise<void>,
    options: WriteOptions = {},
  ): Promise<boolean> {
    const earlier = this.waiting.get(key);
    this.waiting.set(key, {
      key,
      priority: writePriority[priority],
      queuedAt: earlier?.queuedAt ?? options.queuedAt ?? Date.now(),
      send,
      isDue: options.isDue ?? (() => true),
      writes: options.writes ?? 1,
    });
    const sent = this.outcome(key);
    void this.drain();
    return sent;
  }

  /** Whether a write of the key waits or is being sent. */
  holds(key: string): boolean {
    return this.waiting.has(key) || this.inFlight.has(key);
  }

  /** Resolves once no write of the key waits or is being sent. */
  async settled(key: string): Promise<void> {
    await this.outcome(key);
  }

  private outcome(key: string): Promise<boolean> {
    if (!this.holds(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.keyWaiters.set(key, [...(this.keyWaiters.get(key) ?? []), resolve]);
    });
  }

  /** Writes that wait or are being sent. */
  get depth(): number {
    return this.waiting.size + this.inFlight.size;
  }

  /** Milliseconds the oldest waiting write has waited; 0 when none waits. */
  oldestAgeMs(now = Date.now()): number {
    let oldest = now;
    for (const write of this.waiting.values()) oldest = Math.min(oldest, write.queuedAt);
    return now - oldest;
  }

  /** Resolves once nothing waits or is being sent. */
  idle(): Promise<void> {
    if (!this.sending && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): QueuedWrite | undefined {
    let best: QueuedWrite | undefined;
    for (const write of this.waiting.values()) {
      if (
        !best ||
        write.priority < best.priority ||
        (write.priority === best.priority && write.queuedAt < best.queuedAt)
      )
        best = write;
    }
    return best;
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      for (let write = this.next(); write; write = this.next()) {
        const pause = this.pausedUntil - Date.now();
        if (pause > 0) await sleep(pause);
        this.waiting.delete(write.key);
        this.inFlight.add(write.key);
        let sent = true;
        try {
          if (write.isDue()) sent = await this.sendWithRetries(write);
        } finally {
          this.inFlight.delete(write.key);
          if (!this.waiting.has(write.key)) {
            for (const resolve of this.keyWaiters.get(write.key) ?? []) resolve(sent);
            this.keyWaiters.delete(write.key);
          }
        }
      }
    } finally {
      this.sending = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** True once sent; false when given up. */
  private async sendWithRetries(write: QueuedWrite): Promise<boolean> {
    let failures = 0;
    for (;;) {
      try {
        await this.budget.spend(this.installationId, write.writes, write.send);
        return true;
      } catch (error) {
        // A secondary limit is waited out for as long as GitHub asks, however often it asks.
        const limited = secondaryLimitSeconds(error);
        if (limited === undefined) {
          failures += 1;
          const retry = retryAfterFailure(error, failures);
          if (retry === undefined) {
            this.logger.warn(
              { err: error, write: write.key, installation: this.installationId, failures },
              'a GitHub write failed; what it owed is sent again by the next reconcile pass or start',
            );
            return false;
          }
          this.logger.warn(
            { err: error, write: write.key, retryInMs: retry },
            'a GitHub write failed; trying again',
          );
          await sleep(retry);
          continue;
        }
        // Everything queued waits with it: GitHub asked the whole installation to slow down.
        this.pausedUntil = Date.now() + limited * 1000;
        this.logger.warn(
          { retryAfter: limited, write: write.key, installation: this.installationId },
          'GitHub secondary rate limit: the outbox pauses',
        );
        await sleep(limited * 1000);
      }
    }
  }
}

/** Tries of one write after errors that may pass (GitHub's 5xx, the network), before giving up. */
export const maxWriteFailures = 4;

/**
 * How long to wait before trying a failed write again: 1, 2 then 4 s after
 * an error that may pass; undefined for one that will not (a 4xx) or after
 * `maxWriteFailures`.
 */
export function retryAfterFailure(error: unknown, failures: number): number | undefined {
  const status = githubStatusOf(error);
  const passing = status === undefined || status >= 500 || status === 429;
  if (!passing || failures >= maxWriteFailures) return undefined;
  return 1000 * 2 ** (failures - 1);
}

/** A pause on the global timers (which a test's clock can drive). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds GitHub asks to wait when the error is a secondary rate limit, else undefined. */
export function secondaryLimitSeconds(error: unknown): number | undefined {
  const status = githubStatusOf(error);
  const { message, response } = error as {
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = response?.headers?.['retry-after'];
  if (!/secondary rate limit/i.test(message ?? '') && retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : defaultPauseSeconds;
}

/** The outboxes of every installation this replica writes for. */
export class Outboxes {
  private readonly byInstallation = new Map<number, InstallationOutbox>();
  private readonly budget: WriteBudget;
  private readonly logger: Logger;

  constructor(budget: WriteBudget, logger: Logger) {
    this.budget = budget;
    this.logger = logger;
  }

  of(installationId: number): InstallationOutbox {
    let outbox = this.byInstallation.get(installationId);
    if (!outbox) {
      outbox = new InstallationOutbox(installationId, this.budget, this.logger);
      this.byInstallation.set(installationId, outbox);
    }
    return outbox;
  }

  get depth(): number {
    let depth = 0;
    for (const outbox of this.byInstallation.values()) depth += outbox.depth;
    return depth;
  }

  oldestAgeMs(): number {
    const now = Date.now();
    let age = 0;
    for (const outbox of this.byInstallation.values()) age = Math.max(age, outbox.oldestAgeMs(now));
    return age;
  }

  /** Resolves once every queued write has left. */
  async idle(): Promise<void> {
    await Promise.all([...this.byInstallation.values()].map((outbox) => outbox.idle()));
  }

  stop(): Promise<void> {
    return this.budget.stop();
  }
}
