import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstallationOutbox, secondaryLimitSeconds } from '../../src/github/outbox.ts';
import { BottleneckWriteBudget, type WriteBudget } from '../../src/github/write-budget.ts';
import { silentLogger } from '../support/fake-ports.ts';

/** A budget that holds every write until `open` is called, and records what it let through. */
function gatedBudget() {
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const spent: number[] = [];
  const budget: WriteBudget = {
    async spend(_installation, writes, write) {
      await gate;
      spent.push(writes);
      return write();
    },
    stop: async () => {},
  };
  return { budget, open: () => open(), spent };
}

describe('InstallationOutbox', () => {
  it('sends the newest state of a key, keeps its place, and puts answers first and deployments last', async () => {
    const { budget, open } = gatedBudget();
    const outbox = new InstallationOutbox(1, budget, silentLogger);
    const sent: string[] = [];
    const write = (what: string) => async () => void sent.push(what);
    void outbox.put('first', 'deployment', write('first'));
    void outbox.put('deployment:a', 'deployment', write('deployment a1'));
    void outbox.put('comment:7', 'comment', write('comment 7 v1'));
    void outbox.put('comment:8', 'comment', write('comment 8 v1'));
    void outbox.put('comment:7', 'comment', write('comment 7 v2'));
    void outbox.put('deployment:a', 'deployment', write('deployment a2'));
    const reply = outbox.put('reply:1', 'conversation', write('reply'));
    // Four wait; the first is being sent.
    expect(outbox.depth).toBe(5);
    expect(outbox.holds('comment:7')).toBe(true);
    open();
    await reply;
    await outbox.idle();
    expect(sent).toEqual(['first', 'reply', 'comment 7 v2', 'comment 8 v1', 'deployment a2']);
    expect(outbox.depth).toBe(0);
    expect(outbox.holds('comment:7')).toBe(false);
  });

  it('spends nothing on a write that is no longer due, and counts each request of a write', async () => {
    const { budget, open, spent } = gatedBudget();
    const outbox = new InstallationOutbox(1, budget, silentLogger);
    void outbox.put('a', 'comment', async () => {}, { writes: 2 });
    void outbox.put('b', 'comment', async () => {}, { isDue: () => false });
    open();
    await outbox.idle();
    expect(spent).toEqual([2]);
  });

  describe('on a clock of its own', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('pauses every write for as long as a secondary rate limit asks, and loses none', async () => {
      const budget: WriteBudget = { spend: (_i, _n, write) => write(), stop: async () => {} };
      const outbox = new InstallationOutbox(1, budget, silentLogger);
      const sent: string[] = [];
      let limited = false;
      void outbox.put('comment:1', 'comment', async () => {
        if (!limited) {
          limited = true;
          throw Object.assign(new Error('You have exceeded a secondary rate limit.'), {
            status: 403,
            response: { headers: { 'retry-after': '30' } },
          });
        }
        sent.push('comment:1');
      });
      void outbox.put('comment:2', 'comment', async () => void sent.push('comment:2'));
      await vi.advanceTimersByTimeAsync(29_999);
      expect(sent).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await outbox.idle();
      expect(sent).toEqual(['comment:1', 'comment:2']);
    });

    it('tries a write again after errors that may pass, 1, 2 then 4 s apart, then gives it up', async () => {
      const budget: WriteBudget = { spend: (_i, _n, write) => write(), stop: async () => {} };
      const outbox = new InstallationOutbox(1, budget, silentLogger);
      const tries: number[] = [];
      const started = Date.now();
      const given = outbox.put('comment:1', 'comment', async () => {
        tries.push(Date.now() - started);
        throw Object.assign(new Error('Bad Gateway'), { status: 502 });
      });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await given).toBe(false);
      expect(tries).toEqual([0, 1000, 3000, 7000]);

      // One that passes is sent at its next try.
      let failures = 1;
      const sent = outbox.put('comment:2', 'comment', async () => {
        if (failures-- > 0) throw new Error('fetch failed');
      });
      await vi.advanceTimersByTimeAsync(1000);
      await expect(sent).resolves.toBe(true);
      expect(failures).toBe(-1);
    });
  });

  it('gives a write up after an error that is not a rate limit, and goes on', async () => {
    const budget: WriteBudget = { spend: (_i, _n, write) => write(), stop: async () => {} };
    const outbox = new InstallationOutbox(1, budget, silentLogger);
    let attempts = 0;
    const sent: string[] = [];
    const failed = outbox.put('comment:1', 'comment', async () => {
      attempts += 1;
      throw Object.assign(new Error('Validation Failed'), { status: 422 });
    });
    void outbox.put('comment:2', 'comment', async () => void sent.push('2'));
    await expect(failed).resolves.toBe(false);
    await outbox.idle();
    expect(attempts).toBe(1);
    expect(sent).toEqual(['2']);
  });

  it('tells its depth and the age of its oldest write', async () => {
    const { budget, open } = gatedBudget();
    const outbox = new InstallationOutbox(1, budget, silentLogger);
    void outbox.put('in-flight', 'comment', async () => {});
    void outbox.put('waiting', 'comment', async () => {});
    const queuedAt = Date.now();
    expect(outbox.oldestAgeMs(queuedAt + 5000)).toBeGreaterThanOrEqual(5000);
    expect(outbox.depth).toBe(2);
    open();
    await outbox.idle();
    expect(outbox.oldestAgeMs()).toBe(0);
  });
});

describe('secondaryLimitSeconds', () => {
  it('reads retry-after, falls back to a minute, and ignores other errors', () => {
    const error = (status: number, message: string, headers: Record<string, string> = {}) =>
      Object.assign(new Error(message), { status, response: { headers } });
    expect(secondaryLimitSeconds(error(403, 'x', { 'retry-after': '7' }))).toBe(7);
    expect(secondaryLimitSeconds(error(429, 'You have exceeded a secondary rate limit'))).toBe(60);
    expect(secondaryLimitSeconds(error(403, 'Resource not accessible by integration'))).toBe(
      undefined,
    );
    expect(secondaryLimitSeconds(error(500, 'x', { 'retry-after': '7' }))).toBe(undefined);
  });
});

describe('BottleneckWriteBudget', () => {
  it('spaces the writes of one installation, not those of another', async () => {
    const budget = new BottleneckWriteBudget({ spacingMs: 200, perMinute: 100, perHour: 100 }, {});
    try {
      const started = Date.now();
      const at = async (installation: number) =>
        budget.spend(installation, 1, async () => Date.now() - started);
      const [a1, a2, b1] = await Promise.all([at(1), at(1), at(2)]);
      expect(a2 - (a1 as number)).toBeGreaterThanOrEqual(190);
      expect(b1).toBeLessThan(150);
    } finally {
      await budget.stop();
    }
  });

  it('holds writes past a window budget until the window refills, counting each request', async () => {
    const budget = new BottleneckWriteBudget(
      { spacingMs: 0, perMinute: 3, perHour: 100 },
      { windowsMs: [600, 3_600_000] },
    );
    try {
      const started = Date.now();
      const at = async (writes: number) =>
        budget.spend(1, writes, async () => Date.now() - started);
      const times = await Promise.all([at(2), at(1), at(1)]);
      expect(times[0]).toBeLessThan(300);
      expect(times[1]).toBeLessThan(300);
      // Three of the window's three requests are spent: the fourth waits for the refill.
      expect(times[2]).toBeGreaterThanOrEqual(400);
    } finally {
      await budget.stop();
    }
  });
});
