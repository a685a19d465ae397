import { describe, expect, it } from 'vitest';
import { knownFailureAt, type FailureRecord } from '../../src/plan/failure-memory.ts';

const record: FailureRecord = {
  repositoryId: 10,
  pullRequest: 1,
  sha: 'a'.repeat(40),
  reasons: { fr: 'helm template failed' },
  attempts: 2,
  retryAt: 0,
  settings: 'settings-1',
};

describe('knownFailureAt', () => {
  it.each([
    ['the same commit under the same settings', record.sha, 'settings-1', record],
    ['another commit', 'b'.repeat(40), 'settings-1', undefined],
    ['other settings, which may succeed', record.sha, 'settings-2', undefined],
  ])('%s', (_name, sha, settings, expected) => {
    expect(knownFailureAt(record, { sha, settings })).toBe(expected);
  });

  it('knows nothing without a record', () => {
    expect(knownFailureAt(undefined, { sha: record.sha, settings: 'settings-1' })).toBeUndefined();
  });
});
