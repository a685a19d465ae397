/**
 * The work of one job, stopped when the Lease it runs under is lost: every
 * call to a guarded port first checks the signal, and a call under way when
 * the Lease goes ends the job at once (the call itself runs to its end, as
 * it began under the Lease). So a job that lost its pull request writes
 * nothing more to the cluster or the comment: the replica that took the
 * pull request over does.
 */
export function guardedBy<T extends object>(target: T, signal: AbortSignal): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        return result instanceof Promise ? raced(result, signal) : result;
      };
    },
  });
}

function raced<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** A job's stop signal, made before the job is queued and tied to its Lease once it has one. */
export class JobSignal {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the job when `lease` aborts. */
  follow(lease: AbortSignal): void {
    if (lease.aborted) this.controller.abort(lease.reason);
    else lease.addEventListener('abort', () => this.controller.abort(lease.reason), { once: true });
  }
}
