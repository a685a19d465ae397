/**
 * One-shot timers, one per key, for waits that end by timeout when no event
 * ends them first. A newer timer for a key replaces the older one.
 */
export class WaitTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  schedule(key: string, atMs: number, callback: () => void): void {
    this.cancel(key);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        callback();
      },
      Math.max(0, atMs - Date.now()),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }
}
