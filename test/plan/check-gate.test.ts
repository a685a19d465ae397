import { describe, expect, it } from 'vitest';
import { decideGate, evaluateGate } from '../../src/plan/check-gate.ts';

const run = (name: string, status: string, conclusion: string | null = null) => ({
  name,
  status,
  conclusion,
});

describe('evaluateGate', () => {
  it('passes with nothing required', () => {
    expect(evaluateGate([], [], [])).toEqual({ state: 'passed' });
  });

  it.each([
    [[run('build-image', 'completed', 'success')], [], { state: 'passed' }],
    [[run('build-image', 'completed', 'skipped')], [], { state: 'passed' }],
    [[run('build-image', 'in_progress')], [], { state: 'pending', waitingFor: ['build-image'] }],
    [[], [], { state: 'pending', waitingFor: ['build-image'] }],
    [
      [run('build-image', 'completed', 'failure')],
      [],
      { state: 'failed', failures: ['build-image failure'] },
    ],
    [
      [run('build-image', 'completed', 'timed_out')],
      [],
      { state: 'failed', failures: ['build-image timed_out'] },
    ],
    [[], [{ context: 'build-image', state: 'success' }], { state: 'passed' }],
    [
      [],
      [{ context: 'build-image', state: 'pending' }],
      { state: 'pending', waitingFor: ['build-image'] },
    ],
    [
      [],
      [{ context: 'build-image', state: 'error' }],
      { state: 'failed', failures: ['build-image error'] },
    ],
  ])('%j and %j -> %j', (runs, statuses, expected) => {
    expect(evaluateGate(['build-image'], runs, statuses)).toEqual(expected);
  });

  it('waits for every name and reports every failure', () => {
    expect(
      evaluateGate(
        ['build', 'lint', 'e2e'],
        [run('build', 'completed', 'success'), run('lint', 'queued')],
        [{ context: 'e2e', state: 'pending' }],
      ),
    ).toEqual({ state: 'pending', waitingFor: ['lint', 'e2e'] });
    expect(
      evaluateGate(
        ['build', 'lint'],
        [run('build', 'completed', 'failure'), run('lint', 'in_progress')],
        [],
      ),
    ).toEqual({ state: 'failed', failures: ['build failure'] });
  });
});

describe('decideGate', () => {
  const sha = 'abcdef1234567890';
  const minute = 60_000;
  const now = 100 * minute;
  const pending = { state: 'pending' as const, waitingFor: ['build', 'lint'] };
  it.each<[string, Parameters<typeof decideGate>[0], ReturnType<typeof decideGate>]>([
    [
      'every check passed: deploy',
      { gate: { state: 'passed' }, sha, now, waitingSince: [], waitTimeoutMs: 30 * minute },
      { action: 'deploy' },
    ],
    [
      'a check failed: blocked, naming it and the commit',
      {
        gate: { state: 'failed', failures: ['build failure', 'lint cancelled'] },
        sha,
        now,
        waitingSince: [now - minute],
        waitTimeoutMs: 30 * minute,
      },
      { action: 'block', reason: 'not deployed: build failure, lint cancelled on abcdef1' },
    ],
    [
      'a first wait starts now',
      { gate: pending, sha, now, waitingSince: [], waitTimeoutMs: 30 * minute },
      {
        action: 'wait',
        reason: 'waiting for build, lint',
        since: now,
        recheckAtMs: now + 30 * minute,
      },
    ],
    [
      'a wait goes on from its earliest row',
      {
        gate: pending,
        sha,
        now,
        waitingSince: [now - 5 * minute, now - 10 * minute],
        waitTimeoutMs: 30 * minute,
      },
      {
        action: 'wait',
        reason: 'waiting for build, lint',
        since: now - 10 * minute,
        recheckAtMs: now + 20 * minute,
      },
    ],
    [
      'waited as long as allowed: blocked',
      { gate: pending, sha, now, waitingSince: [now - 30 * minute], waitTimeoutMs: 30 * minute },
      {
        action: 'block',
        reason: 'not deployed: timed out after 30 min waiting for build, lint on abcdef1',
      },
    ],
    [
      'a row from the future (clock skew between replicas) waits from now',
      { gate: pending, sha, now, waitingSince: [now + minute], waitTimeoutMs: 30 * minute },
      {
        action: 'wait',
        reason: 'waiting for build, lint',
        since: now,
        recheckAtMs: now + 30 * minute,
      },
    ],
  ])('%s', (_, input, expected) => {
    expect(decideGate(input)).toEqual(expected);
  });
});
