import { describe, expect, it } from 'vitest';
import { judgeSmokeAnswer, type SmokeAnswer } from '../../src/plan/smoke-check.ts';

describe('judgeSmokeAnswer', () => {
  const plenty = 60_000;
  it.each<[string, SmokeAnswer, number, number, ReturnType<typeof judgeSmokeAnswer>]>([
    ['a 200 passes', { status: 200 }, 0, plenty, { verdict: 'passed', status: 200 }],
    ['a redirect passes', { status: 302 }, 3, plenty, { verdict: 'passed', status: 302 }],
    ['a 500 fails at once', { status: 500 }, 0, plenty, { verdict: 'failed', why: 'answered 500' }],
    ['a 401 fails at once', { status: 401 }, 0, plenty, { verdict: 'failed', why: 'answered 401' }],
    [
      'a host not routed yet is asked again',
      { status: 404 },
      0,
      plenty,
      { verdict: 'again', afterMs: 500 },
    ],
    [
      'no endpoints yet is asked again',
      { status: 503 },
      1,
      plenty,
      { verdict: 'again', afterMs: 1000 },
    ],
    [
      'a bad gateway is asked again',
      { status: 502 },
      2,
      plenty,
      { verdict: 'again', afterMs: 2000 },
    ],
    [
      'a gateway timeout is asked again',
      { status: 504 },
      3,
      plenty,
      { verdict: 'again', afterMs: 4000 },
    ],
    [
      'waits grow to 5 s at most',
      { error: 'connect ECONNREFUSED' },
      9,
      plenty,
      { verdict: 'again', afterMs: 5000 },
    ],
    [
      'a refused connection is asked again',
      { error: 'connect ECONNREFUSED' },
      0,
      plenty,
      { verdict: 'again', afterMs: 500 },
    ],
    [
      'gives up when the next wait passes the deadline',
      { status: 503 },
      4,
      4_000,
      { verdict: 'failed', why: 'answered 503 (after 5 tries)' },
    ],
    [
      'names the last error at the deadline',
      { error: 'socket hang up' },
      0,
      100,
      { verdict: 'failed', why: 'failed: socket hang up' },
    ],
  ])('%s', (_, answer, attempt, remaining, expected) => {
    expect(judgeSmokeAnswer(answer, attempt, remaining)).toEqual(expected);
  });
});
