import { describe, expect, it } from 'vitest';
import { awayFromSlot, KeyedQueue } from '../../src/queue/keyed-queue.ts';
import { DeliveryLog } from '../../src/queue/delivery-log.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Two jobs more run one at a time, and both run: the queue has one place, neither lost nor doubled. */
async function expectOnePlace(queue: KeyedQueue): Promise<void> {
  const running: string[] = [];
  const gate = deferred();
  const jobs = ['c', 'd'].map((key) =>
    queue.enqueue(key, async () => {
      running.push(key);
      await gate.promise;
    }),
  );
  await new Promise((r) => setTimeout(r, 10));
  expect(running).toEqual(['c']);
  gate.resolve();
  await Promise.all(jobs);
  expect(running).toEqual(['c', 'd']);
}

describe('KeyedQueue', () => {
  it('runs jobs of one key in order, one at a time', async () => {
    const queue = new KeyedQueue(4);
    const events: string[] = [];
    const gate = deferred();
    const first = queue.enqueue('pr-1', async () => {
      events.push('first:start');
      await gate.promise;
      events.push('first:end');
    });
    const second = queue.enqueue('pr-1', async () => {
      events.push('second');
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['first:start']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(events).toEqual(['first:start', 'first:end', 'second']);
  });

  it('keeps going after a failed job', async () => {
    const queue = new KeyedQueue(1);
    const failed = queue.enqueue('pr-1', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(queue.enqueue('pr-1', async () => 'next')).resolves.toBe('next');
  });

  it('runs different keys in parallel up to the bound', async () => {
    const queue = new KeyedQueue(2);
    let running = 0;
    let peak = 0;
    const gate = deferred();
    const jobs = ['a', 'b', 'c', 'd'].map((key) =>
      queue.enqueue(key, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await gate.promise;
        running -= 1;
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(2);
    expect(queue.depth).toBe(4);
    gate.resolve();
    await Promise.all(jobs);
    await queue.idle();
    expect(peak).toBe(2);
    expect(queue.depth).toBe(0);
  });

  it('lends the place of a job that waits on the cluster, and gives it back before jobs not started', async () => {
    const queue = new KeyedQueue(1);
    const events: string[] = [];
    const rollout = deferred();
    const secondGoesOn = deferred();
    const first = queue.enqueue('a', async () => {
      events.push('a:applied');
      await awayFromSlot(async () => {
        // Two tenants wait at once: one place is lent, once.
        await Promise.all([rollout.promise, awayFromSlot(() => rollout.promise)]);
      });
      events.push('a:ready');
    });
    const second = queue.enqueue('b', async () => {
      events.push('b:applied');
      await secondGoesOn.promise;
      events.push('b:done');
    });
    const third = queue.enqueue('c', async () => {
      events.push('c');
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['a:applied', 'b:applied']);
    // a's rollout is done: a has its place back after b, before c.
    rollout.resolve();
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['a:applied', 'b:applied']);
    secondGoesOn.resolve();
    await Promise.all([first, second, third]);
    expect(events).toEqual(['a:applied', 'b:applied', 'b:done', 'a:ready', 'c']);
  });

  it('loses no place when a job ends while one of its parts still waits', async () => {
    const queue = new KeyedQueue(1);
    const stray = deferred();
    let strayDone: Promise<void> | undefined;
    await queue.enqueue('a', async () => {
      strayDone = awayFromSlot(() => stray.promise);
    });
    // The job ended with its place lent out; the next job has it.
    await expect(queue.enqueue('b', async () => 'b ran')).resolves.toBe('b ran');
    stray.resolve();
    await strayDone;
    // Still one place: the stray part took none back.
    await expectOnePlace(queue);
  });

  it('takes its place back once when parts wait again while it is taking it back', async () => {
    const queue = new KeyedQueue(1);
    const other = deferred();
    const firstWait = deferred();
    const secondWait = deferred();
    const a = queue.enqueue('a', async () => {
      await Promise.all([
        awayFromSlot(() => firstWait.promise),
        (async () => {
          // This tenant waits only once the other's wait has ended and its
          // place is being taken back (b holds it).
          await firstWait.promise;
          await awayFromSlot(() => secondWait.promise);
        })(),
      ]);
    });
    const b = queue.enqueue('b', () => other.promise);
    await new Promise((r) => setTimeout(r, 10));
    firstWait.resolve();
    await new Promise((r) => setTimeout(r, 10));
    secondWait.resolve();
    await new Promise((r) => setTimeout(r, 10));
    other.resolve();
    await Promise.all([a, b]);
    // One place, still.
    await expectOnePlace(queue);
  });

  it('only runs the wait outside any job', async () => {
    await expect(awayFromSlot(async () => 'waited')).resolves.toBe('waited');
  });

  it("gives its slot back while the job's gate is taken, and holds the gate only while it runs", async () => {
    const queue = new KeyedQueue(1);
    const events: string[] = [];
    let free = false;
    let waited = deferred();
    const gate = {
      enter: async () => {
        events.push(free ? 'pr-1 enters' : 'pr-1 finds it taken');
        return free ? { release: async () => void events.push('pr-1 lets go') } : undefined;
      },
      wait: () => waited.promise,
    };
    const held = queue.enqueue('pr-1', async () => void events.push('pr-1 ran'), gate);
    const next = queue.enqueue('pr-1', async () => void events.push('pr-1 again'));
    await new Promise((r) => setTimeout(r, 10));
    // One slot, and pr-1 waits for its gate outside it: pr-2 runs all the same.
    await queue.enqueue('pr-2', async () => void events.push('pr-2 ran'));
    free = true;
    const wake = waited;
    waited = deferred();
    wake.resolve();
    await Promise.all([held, next]);
    expect(events).toEqual([
      'pr-1 finds it taken',
      'pr-2 ran',
      'pr-1 enters',
      'pr-1 ran',
      'pr-1 lets go',
      'pr-1 again',
    ]);
  });

  it('knows which keys are busy, and takes no new work once closed', async () => {
    const queue = new KeyedQueue(1);
    const gate = deferred();
    const running = queue.enqueue('pr-1', () => gate.promise);
    expect(queue.isBusy('pr-1')).toBe(true);
    expect(queue.isBusy('pr-2')).toBe(false);
    queue.close();
    await expect(queue.enqueue('pr-2', async () => 'late')).rejects.toThrow('shutting down');
    gate.resolve();
    await running;
    await queue.idle();
    expect(queue.isBusy('pr-1')).toBe(false);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new KeyedQueue(0)).toThrow(/positive integer/);
  });
});

describe('DeliveryLog', () => {
  it('knows a delivery once remembered, and forgets the oldest past its capacity', () => {
    const log = new DeliveryLog(2);
    expect(log.has('a')).toBe(false);
    log.remember('a');
    expect(log.has('a')).toBe(true);
    log.remember('b');
    log.remember('c');
    expect(log.has('a')).toBe(false);
    expect(log.has('c')).toBe(true);
  });
});
