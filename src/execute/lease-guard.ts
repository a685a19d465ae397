/**
 * The work of one job, stopped when the Lease it runs under is lost: every
 * call to a guarded port first checks the signal, and a call under way when
 * the Lease goes runs to its end (it began under the Lease) and then fails
 * the job, so the job's slot and queue are given up only once nothing of it
 * writes any more. A job that lost its pull request writes nothing more to
 * the cluster or the comment: the replica that took the pull request over
 * does.
 */
export function guardedBy<T extends object>(target: T, stop: JobSignal): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const { signal } = stop;
        signal.throwIfAborted();
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        return result instanceof Promise ? raced(result, signal) : result;
      };
    },
  });
}

/** The call's result, or once it has ended, the Lease's loss if the Lease went meanwhile. */
async function raced<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await work;
  } finally {
    signal.throwIfAborted();
  }
}

/**
 * A job's stop signal, made with its scope and tied to the Lease of each
 * run: a scope a later job reuses (a timer's, a resumed wait's) starts that
 * run afresh, whatever became of the one before.
 */
export class JobSignal {
  private controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts a run under `lease`: stopped when it aborts. */
  follow(lease: AbortSignal): void {
    const controller = new AbortController();
    this.controller = controller;
    if (lease.aborted) controller.abort(lease.reason);
    else lease.addEventListener('abort', () => controller.abort(lease.reason), { once: true });
  }
}
