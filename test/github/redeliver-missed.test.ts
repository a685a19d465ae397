import type { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { redeliverMissed } from '../../src/github/redeliver-missed.ts';
import type { Logger } from '../../src/ports.ts';

const minute = 60_000;
const start = Date.parse('2026-12-01T12:00:00Z');

/**
 * The look's Lease and mark as the API server keeps them: held by one
 * replica at a time, expiring `durationMs` after its holder last renewed.
 * The look's `lost` aborts when another replica takes the Lease, as this
 * replica's HeldLease would have found at its renew deadline, before then.
 */
class Window {
  holder: string | undefined;
  renewedAt = 0;
  mark: number | undefined;
  readonly retryPeriodMs = 4_000;
  readonly durationMs = 30_000;
  private look: AbortController | undefined;

  private readonly clock: { now: number };
  readonly replica = 'starting';

  constructor(clock: { now: number }) {
    this.clock = clock;
  }

  holdFor(replica: string) {
    if (replica !== this.replica) this.look?.abort();
    this.holder = replica;
    this.renewedAt = this.clock.now;
  }

  async begin() {
    const expired = this.clock.now >= this.renewedAt + this.durationMs;
    if (this.holder && this.holder !== this.replica && !expired) return false;
    this.holdFor(this.replica);
    this.look = new AbortController();
    return { checkedThrough: this.mark, lost: this.look.signal };
  }

  async finish(through: number) {
    if (this.mark === undefined || through > this.mark) this.mark = through;
    await this.abandon();
  }

  async abandon() {
    if (this.holder === this.replica) this.holder = undefined;
  }
}

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
}

/** GitHub's deliveries list, newest first, and the redeliveries asked for. */
function gitHub(deliveries: Delivery[], options: { onPost?: () => void; failList?: boolean } = {}) {
  const asked: number[] = [];
  const octokit = {
    paginate: {
      async *iterator() {
        if (options.failList) throw new Error('GitHub answered 502');
        yield { data: deliveries };
      },
    },
    async request(_route: string, params: { delivery_id: number }) {
      asked.push(params.delivery_id);
      options.onPost?.();
      return { status: 202 };
    },
  };
  return { app: { auth: async () => octokit } as unknown as Probot, asked };
}

function failed(id: number, at: number, event = 'pull_request'): Delivery {
  return {
    id,
    guid: `guid-${id}`,
    delivered_at: new Date(at).toISOString(),
    status_code: 0,
    event,
  };
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = {
    info() {},
    debug() {},
    error() {},
    warn(...args: unknown[]) {
      warnings.push(String(args.find((a) => typeof a === 'string')));
    },
    child: () => logger,
  };
  return { logger, warnings };
}

describe('redeliverMissed', () => {
  it('waits out the Lease of a replica that died looking, then asks once for what failed since the mark', async () => {
    const clock = { now: start };
    const window = new Window(clock);
    window.mark = start - 10 * minute;
    window.holdFor('killed-replica');
    const { app, asked } = gitHub([
      failed(3, start - 1 * minute),
      failed(2, start - 5 * minute, 'issue_comment'),
      failed(1, start - 20 * minute),
    ]);
    const slept: number[] = [];
    await redeliverMissed(app, window, recordingLogger().logger, {
      now: () => clock.now,
      sleep: async (ms) => {
        slept.push(ms);
        clock.now += ms;
      },
    });
    // Eight tries of 4 s: the dead holder's 30 s Lease ran out on the eighth.
    expect(slept).toEqual(Array(8).fill(4_000));
    expect(asked).toEqual([2, 3]);
    expect(window.mark).toBe(start + 32_000);
    expect(window.holder).toBeUndefined();
  });

  it('leaves the look to the next start when another replica keeps it for ten minutes', async () => {
    const clock = { now: start };
    const window = new Window(clock);
    window.holdFor('busy-replica');
    const { app, asked } = gitHub([failed(1, start - minute)]);
    const { logger, warnings } = recordingLogger();
    await redeliverMissed(app, window, logger, {
      now: () => clock.now,
      sleep: async (ms) => {
        clock.now += ms;
        window.holdFor('busy-replica');
      },
    });
    expect(asked).toEqual([]);
    expect(window.mark).toBeUndefined();
    expect(warnings).toEqual([
      'another replica kept the look at GitHub deliveries: the next start looks',
    ]);
  });

  it('stops asking, and leaves the mark, when another replica took the look midway', async () => {
    const clock = { now: start };
    const window = new Window(clock);
    window.mark = start - 30 * minute;
    const { app, asked } = gitHub(
      [failed(3, start - 1), failed(2, start - 2), failed(1, start - 3)],
      {
        onPost: () => {
          // Each ask takes 40 s: the Lease, lost at its renew deadline, is another replica's.
          clock.now += 40_000;
          window.holdFor('other-replica');
        },
      },
    );
    const { logger, warnings } = recordingLogger();
    await redeliverMissed(app, window, logger, { now: () => clock.now, sleep: async () => {} });
    expect(asked).toEqual([1]);
    expect(window.mark).toBe(start - 30 * minute);
    expect(window.holder).toBe('other-replica');
    expect(warnings).toContain(
      'lost the Lease of the look at GitHub deliveries (another replica took it, or it could not be renewed): a later look asks for the rest',
    );
  });

  it('gives the look up at once when GitHub fails, the mark where it was', async () => {
    const clock = { now: start };
    const window = new Window(clock);
    window.mark = start - minute;
    const { app } = gitHub([], { failList: true });
    await expect(
      redeliverMissed(app, window, recordingLogger().logger, { now: () => clock.now }),
    ).rejects.toThrow('GitHub answered 502');
    expect(window.mark).toBe(start - minute);
    expect(window.holder).toBeUndefined();
  });

  it('asks nothing twice when its Lease ran out and another replica finished the look meanwhile', async () => {
    const clock = { now: start };
    const window = new Window(clock);
    window.mark = start - 30 * minute;
    const { app, asked } = gitHub([failed(2, start - 2), failed(1, start - 3)], {
      onPost: () => {
        // Stalled 40 s: another replica took the look, asked for everything, and let it go.
        clock.now += 40_000;
        window.holdFor('other-replica');
        window.mark = clock.now;
        window.holder = undefined;
      },
    });
    await redeliverMissed(app, window, recordingLogger().logger, {
      now: () => clock.now,
      sleep: async () => {},
    });
    expect(asked).toEqual([1]);
    expect(window.mark).toBe(start + 40_000);
    expect(window.holder).toBeUndefined();
  });
});
