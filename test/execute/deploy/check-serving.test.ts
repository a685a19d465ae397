import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.ts';
import { smokeCheck } from '../../../src/execute/deploy/check-serving.ts';
import { guardedBy, JobSignal } from '../../../src/execute/lease-guard.ts';
import type { SmokeAnswer } from '../../../src/plan/smoke-check.ts';
import type { PreviewTarget } from '../../../src/plan/types.ts';

const target = { host: 'foo-7.preview.bar.com' } as PreviewTarget;

/** A probe answering in turn, and a clock that moves only when slept on. */
function world(answers: SmokeAnswer[], rolloutTimeout = '1m') {
  const asked: string[] = [];
  const slept: number[] = [];
  let now = 0;
  const smoke = {
    probe: (host: string, path: string) => {
      asked.push(`${host}${path}`);
      return Promise.resolve(answers.shift() ?? { error: 'no more answers' });
    },
  };
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  const parsed = parseConfig({ smoke: { path: '/healthz' }, rolloutTimeout }, 'acme/foo');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config = parsed.config;
  return { smoke, clock, config, asked, slept };
}

describe('the smoke check', () => {
  it('asks again while HAProxy does not route the host or its endpoints yet, and reports the answer', async () => {
    const w = world([
      { error: 'connect ECONNREFUSED' },
      { status: 404 },
      { status: 503 },
      { status: 200 },
    ]);
    expect(await smokeCheck({ ...w, target })).toBe('GET /healthz → 200');
    expect(w.asked).toEqual(Array(4).fill('foo-7.preview.bar.com/healthz'));
    expect(w.slept).toEqual([500, 1000, 2000]);
  });

  it('fails at once on an answer of a broken preview', async () => {
    const w = world([{ status: 500 }]);
    await expect(smokeCheck({ ...w, target })).rejects.toThrow(
      'smoke check GET /healthz answered 500',
    );
    expect(w.asked).toHaveLength(1);
  });

  it('gives up at the rollout timeout, naming the last answer', async () => {
    const w = world(Array(50).fill({ status: 503 }), '10s');
    await expect(smokeCheck({ ...w, target })).rejects.toThrow(
      /^smoke check GET \/healthz answered 503 \(after \d+ tries\)$/,
    );
    expect(w.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it("stops asking once the job's Lease is lost", async () => {
    const w = world(Array(50).fill({ status: 503 }));
    const stop = new JobSignal();
    const lease = new AbortController();
    stop.follow(lease.signal);
    const clock = {
      ...w.clock,
      sleep: async (ms: number) => {
        await w.clock.sleep(ms);
        if (w.asked.length === 2) lease.abort(new Error('the Lease was lost'));
      },
    };
    await expect(
      smokeCheck({ ...w, clock, smoke: guardedBy(w.smoke, stop), target }),
    ).rejects.toThrow('the Lease was lost');
    expect(w.asked).toHaveLength(2);
  });
});
