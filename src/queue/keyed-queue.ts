import { AsyncLocalStorage } from 'node:async_hooks';

/** Something a job holds while it runs (a Lease), given back when it ends. */
export interface Held {
  release(): Promise<void>;
}

/**
 * What a job must also hold to run: tried once a slot is its own; when it is
 * taken (another replica works on the pull request), the slot is given back
 * and `wait` passes outside it before the next try.
 */
export interface Gate<H extends Held> {
  enter(): Promise<H | undefined>;
  wait(): Promise<void>;
}

/** The slot of the job running in this async context, if any. */
const currentSlot = new AsyncLocalStorage<JobSlot>();

/**
 * Runs `wait` (a wait on the cluster: a rollout, a hook) with the current
 * job's slot given to the next job meanwhile; the job has it back, before
 * jobs that have not started, once none of its parts waits any more. Outside
 * a job it only runs `wait`.
 */
export function awayFromSlot<T>(wait: () => Promise<T>): Promise<T> {
  const slot = currentSlot.getStore();
  return slot ? slot.away(wait) : wait();
}

/**
 * One job's place among the jobs at work. While any of its parts waits on
 * the cluster, the place is lent to the next job: waiting costs the app
 * nothing but a watch, so a burst's jobs apply their previews while earlier
 * ones wait for theirs, rather than one bound's worth at a time. Its other
 * parts (another tenant still applying) go on meanwhile.
 */
class JobSlot {
  private waits = 0;
  private held = true;
  private ended = false;
  /** The one request for the place back, while it is under way. */
  private returning: Promise<void> | undefined;
  private readonly queue: SlotPool;

  constructor(queue: SlotPool) {
    this.queue = queue;
  }

  async away<T>(wait: () => Promise<T>): Promise<T> {
    if (this.waits++ === 0 && this.held) {
      this.held = false;
      this.queue.release();
    }
    try {
      return await wait();
    } finally {
      if (--this.waits === 0) await this.comeBack();
    }
  }

  /**
   * Takes the place back, once however many parts ended their waits: two
   * requests would hold two places, and one of them would never be given
   * back. If the job ended, or a part waits again, by the time the place
   * comes, it is given back at once (that part takes it back in its turn).
   */
  private comeBack(): Promise<void> {
    if (this.ended || this.held) return Promise.resolve();
    this.returning ??= this.queue.acquire({ first: true }).then(() => {
      this.returning = undefined;
      if (this.ended || this.waits > 0) this.queue.release();
      else this.held = true;
    });
    return this.returning;
  }

  /** The job ended: its place is given back, unless it is lent out. */
  end(): void {
    this.ended = true;
    if (this.held) {
      this.held = false;
      this.queue.release();
    }
  }
}

interface SlotPool {
  acquire(options?: { first: boolean }): Promise<void>;
  release(): void;
}

/**
 * Runs jobs of one key (one pull request) strictly in order, and jobs of
 * different keys in parallel up to a bound. A job behind a gate holds it
 * only while it runs: waiting for another replica to let a pull request go
 * takes no slot from other pull requests, and holds nothing meanwhile; nor
 * does a job that waits on the cluster (`awayFromSlot`).
 */
export class KeyedQueue implements SlotPool {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private pending = 0;
  private closed = false;
  private readonly concurrency: number;

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`queue concurrency must be a positive integer, got ${concurrency}`);
    }
    this.concurrency = concurrency;
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.pending;
  }

  /** After close, new jobs are refused; those already queued still run. */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  enqueue<T>(key: string, job: () => Promise<T>): Promise<T>;
  enqueue<T, H extends Held>(key: string, job: (held: H) => Promise<T>, gate: Gate<H>): Promise<T>;
  enqueue<T, H extends Held>(
    key: string,
    job: (held: H) => Promise<T>,
    gate?: Gate<H>,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error('shutting down: no new work is taken'));
    this.pending += 1;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous
      .then(() =>
        gate ? this.throughGate(gate, job) : this.withSlot(() => job(undefined as never)),
      )
      .finally(() => {
        this.pending -= 1;
      });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether work for this key is queued or running. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when every job queued so far has ended. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private async throughGate<T, H extends Held>(
    gate: Gate<H>,
    job: (held: H) => Promise<T>,
  ): Promise<T> {
    for (;;) {
      const outcome = await this.withSlot(async () => {
        const held = await gate.enter();
        if (!held) return { ran: false as const };
        try {
          return { ran: true as const, value: await job(held) };
        } finally {
          await held.release();
        }
      });
      if (outcome.ran) return outcome.value;
      await gate.wait();
    }
  }

  private async withSlot<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    const slot = new JobSlot(this);
    try {
      return await currentSlot.run(slot, job);
    } finally {
      slot.end();
    }
  }

  /** Waits for a place among the running jobs; `first`: before the jobs not started yet. */
  async acquire(options: { first: boolean } = { first: false }): Promise<void> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) =>
        options.first ? this.waiting.unshift(resolve) : this.waiting.push(resolve),
      );
    } else {
      this.running += 1;
    }
  }

  /** Gives a place back: to the first waiting, or free. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
