/**
 * Wraps a job's turn: it may wait for something (a Lease) before the job
 * takes a concurrency slot, and holds it until `inSlot` ends.
 */
export type Hold = <R>(inSlot: () => Promise<R>) => Promise<R>;

/**
 * Runs jobs of one key (one pull request) strictly in order, and jobs of
 * different keys in parallel up to a bound. A job's `hold` runs in its
 * key's order but outside the bound: waiting for another replica to let a
 * pull request go takes no slot from other pull requests.
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

  enqueue<T>(key: string, job: () => Promise<T>, hold?: Hold): Promise<T> {
    if (this.closed) return Promise.reject(new Error('shutting down: no new work is taken'));
    this.pending += 1;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous
      .then(() => (hold ? hold(() => this.withSlot(job)) : this.withSlot(job)))
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
