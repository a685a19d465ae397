import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/plan/check-gate.ts';

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
