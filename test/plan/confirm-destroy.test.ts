import { describe, expect, it } from 'vitest';
import { destroyConfirmed, needsConfirmation } from '../../src/plan/confirm-destroy.ts';

describe('destroyConfirmed', () => {
  it.each([
    ['pull request closed', 'gone', true],
    ['pull request closed', 'present', false],
    ['pull request closed', 'unknown', false],
    ['repository removed', 'gone', true],
    ['repository removed', 'present', false],
    ['app uninstalled', 'gone', true],
    ['app uninstalled', 'unknown', false],
    ['label removed', undefined, true],
    ['expired', undefined, true],
  ] as const)('%s, GitHub says %s: destroyed %s', (reason, sighting, destroyed) => {
    expect(destroyConfirmed(reason, sighting).destroy).toBe(destroyed);
  });

  it('asks GitHub only about what a listing failed to show', () => {
    expect(needsConfirmation('pull request closed')).toBe(true);
    expect(needsConfirmation('expired')).toBe(false);
    expect(destroyConfirmed('pull request closed', 'present')).toEqual({
      destroy: false,
      why: 'a listing missed it (pull request closed), but GitHub still shows it',
    });
  });
});
