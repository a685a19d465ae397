import { describe, expect, it } from 'vitest';
import { forkApproval } from '../../src/plan/fork-approval.ts';

const sha = 'c'.repeat(40);
const commentedAt = Date.parse('2026-12-02T12:00:00Z');

describe('forkApproval', () => {
  it.each([
    ['pushed before the comment', commentedAt - 1, true],
    ['pushed when the comment was written', commentedAt, true],
    ['a push the app never heard of', undefined, true],
    ['pushed after the comment: not what the maintainer saw', commentedAt + 1, false],
  ])('a head %s', (_name, pushedAt, approved) => {
    const result = forkApproval({
      sha,
      commentedAt,
      ...(pushedAt === undefined ? {} : { pushedAt }),
    });
    expect(result.approved).toBe(approved);
    if (result.approved) expect(result.sha).toBe(sha);
    else expect(result.reason).toContain('`ccccccc` was pushed after this comment');
  });

  it('approves nothing when the pull request could not be read as the comment came', () => {
    expect(forkApproval({ sha: undefined, commentedAt })).toEqual({
      approved: false,
      reason: expect.stringContaining('could not be read when this comment arrived'),
    });
  });
});
