import { describe, expect, it } from 'vitest';
import {
  decideLease,
  leaseTimings,
  observe,
  renewalVerdict,
  type LeaseRecord,
} from '../../src/plan/lease.ts';

const t0 = Date.parse('2026-12-01T12:00:00Z');
const held = (holder: string, renewTime: string, transitions = 2): LeaseRecord => ({
  holder,
  durationMs: 30_000,
  acquireTime: '2026-12-01T11:00:00.000Z',
  renewTime,
  transitions,
});

describe('decideLease', () => {
  it.each([
    {
      case: 'no Lease: created, no transition yet',
      current: undefined,
      seenAt: undefined,
      now: t0,
      expect: { kind: 'take', transitions: 0, acquireTime: '2026-12-01T12:00:00.000Z' },
    },
    {
      case: "another's, seen changing just now: held a full duration from then",
      current: held('b', '2026-12-01T11:59:59.000Z'),
      seenAt: t0,
      now: t0 + 29_999,
      expect: { kind: 'held', holder: 'b', expiresAt: t0 + 30_000 },
    },
    {
      case: "another's whose clock is an hour behind: its renew time is not ours",
      current: held('b', '2026-12-01T11:00:00.000Z'),
      seenAt: t0,
      now: t0 + 1000,
      expect: { kind: 'held', holder: 'b', expiresAt: t0 + 30_000 },
    },
    {
      case: "another's whose clock is an hour ahead: taken once unchanged for a duration",
      current: held('b', '2026-12-01T13:00:00.000Z'),
      seenAt: t0,
      now: t0 + 30_000,
      expect: { kind: 'take', transitions: 3, acquireTime: '2026-12-01T12:00:30.000Z' },
    },
    {
      case: 'one released (empty holder): taken at once, a transition',
      current: held('', '2026-12-01T11:59:59.000Z'),
      seenAt: t0,
      now: t0,
      expect: { kind: 'take', transitions: 3 },
    },
    {
      case: 'its own: renewed, acquire time and transitions kept',
      current: held('a', '2026-12-01T11:59:59.000Z'),
      seenAt: t0,
      now: t0 + 5000,
      expect: { kind: 'take', transitions: 2, acquireTime: '2026-12-01T11:00:00.000Z' },
    },
  ])('$case', ({ current, seenAt, now, expect: wanted }) => {
    const decision = decideLease({
      current,
      observation: seenAt === undefined ? undefined : { fingerprint: 'x', observedAt: seenAt },
      identity: 'a',
      now,
      durationMs: 30_000,
    });
    if (wanted.kind === 'held') {
      expect(decision).toEqual(wanted);
      return;
    }
    expect(decision.kind).toBe('take');
    if (decision.kind !== 'take') return;
    expect(decision.record).toMatchObject({
      holder: 'a',
      durationMs: 30_000,
      renewTime: new Date(now).toISOString(),
      transitions: wanted.transitions,
      ...(wanted.acquireTime ? { acquireTime: wanted.acquireTime } : {}),
    });
  });
});

describe('observe', () => {
  it('moves the observation time only when the record changes', () => {
    const first = observe(undefined, held('b', '2026-12-01T11:00:00.000Z'), t0);
    expect(observe(first, held('b', '2026-12-01T11:00:00.000Z'), t0 + 20_000)).toBe(first);
    expect(observe(first, held('b', '2026-12-01T11:00:05.000Z'), t0 + 20_000)).toMatchObject({
      observedAt: t0 + 20_000,
    });
  });
});

describe('renewalVerdict', () => {
  const { renewDeadlineMs, retryPeriodMs } = leaseTimings(30_000);
  it("keeps client-go's proportions", () => {
    expect({ renewDeadlineMs, retryPeriodMs }).toEqual({
      renewDeadlineMs: 20_000,
      retryPeriodMs: 4000,
    });
  });
  it.each([
    { outcome: 'renewed', since: 60_000, keep: true },
    { outcome: 'failed', since: 19_999, keep: true },
    { outcome: 'failed', since: 20_000, keep: false },
    { outcome: 'taken', since: 0, keep: false },
  ] as const)(
    '$outcome, $since ms after the last renewal: keep $keep',
    ({ outcome, since, keep }) => {
      expect(
        renewalVerdict({ outcome, lastRenewedAt: t0, now: t0 + since, renewDeadlineMs }).keep,
      ).toBe(keep);
    },
  );
});
