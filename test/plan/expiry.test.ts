import { describe, expect, it } from 'vitest';
import { expiryOf, expiryWarningDue, keepMarks, warnedMarks } from '../../src/plan/expiry.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const base = { terminating: false, expiresAt: iso(now + 60_000), activeAt: iso(now - 60_000) };

describe('expiryOf', () => {
  it.each([
    ['no ttl', { terminating: false }, undefined],
    ['the deploy’s expiry', base, now + 60_000],
    ['kept', { ...base, keptBy: 'ann' }, undefined],
    [
      'let go after its expiry: the ttl from then',
      { ...base, expiresNotBefore: iso(now + 3_600_000) },
      now + 3_600_000,
    ],
    [
      'let go, then pushed: the later expiry',
      { ...base, expiresNotBefore: iso(now) },
      now + 60_000,
    ],
    ['an expiry that is no time', { terminating: false, expiresAt: 'soon' }, undefined],
  ])('%s', (_, preview, expected) => {
    expect(expiryOf(preview)).toBe(expected);
  });
});

describe('lifetime marks', () => {
  it('keeps a preview for the user, remembering the warning already given', () => {
    const warned = { ...base, expiryWarnedFor: base.expiresAt, expiresNotBefore: iso(now) };
    expect(keepMarks(warned, { keep: true, user: 'ann' })).toEqual({
      keptBy: 'ann',
      expiryWarnedFor: base.expiresAt,
    });
  });

  it('lets the ttl run again from now when unkept', () => {
    expect(keepMarks({ ...base, keptBy: 'ann' }, { keep: false, now, ttlMs: 3_600_000 })).toEqual({
      expiresNotBefore: iso(now + 3_600_000),
    });
  });

  it('marks the expiry warned of, keeping the other marks', () => {
    const unkept = { ...base, expiresNotBefore: iso(now + 120_000) };
    expect(warnedMarks(unkept)).toEqual({
      expiresNotBefore: iso(now + 120_000),
      expiryWarnedFor: iso(now + 120_000),
    });
  });
});

describe('expiryWarningDue', () => {
  const hour = 3_600_000;
  it('after an unkeep, warns a quarter of the ttl before the new expiry, not at once', () => {
    // A 1 h ttl, deployed 4 h ago, let go now: it expires in 1 h, warned 15 min before.
    const unkept = {
      terminating: false,
      activeAt: iso(now - 4 * hour),
      expiresAt: iso(now - 3 * hour),
      expiresNotBefore: iso(now + hour),
    };
    expect(expiryWarningDue(unkept, now)).toBe(false);
    expect(expiryWarningDue(unkept, now + 46 * 60_000)).toBe(true);
    expect(
      expiryWarningDue({ ...unkept, expiryWarnedFor: iso(now + hour) }, now + 46 * 60_000),
    ).toBe(false);
  });
});
