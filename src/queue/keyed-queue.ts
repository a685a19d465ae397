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

/**
 * Runs jobs of one key (one pull request) strictly in order, and jobs of
 * different keys in parallel up to a bound. A job behind a gate holds it
 * only while it runs: waiting for another replica to let a pull request go
 * takes no slot from other pull requests, and holds nothing meanwhile.
 */
export class KeyedQueue {
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
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    try {
      return await job();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
