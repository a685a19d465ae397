import { describe, expect, it } from 'vitest';
import { ConversationBudget } from '../../src/github/conversation-budget.ts';

describe('ConversationBudget', () => {
  it('bounds the writes one user, and one pull request, may cause within an hour', () => {
    let now = Date.parse('2026-12-01T12:00:00Z');
    const budget = new ConversationBudget(
      { perUserPerHour: 4, perPullRequestPerHour: 6 },
      () => now,
    );
    expect(budget.take('Stranger', 'acme#1', 3)).toBe(true);
    expect(budget.take('stranger', 'acme#2', 2)).toBe(false);
    expect(budget.take('stranger', 'acme#2', 1)).toBe(true);
    // Another user on the same pull request, up to the pull request's bound.
    expect(budget.take('octocat', 'acme#1', 2)).toBe(true);
    expect(budget.take('octocat', 'acme#1', 2)).toBe(false);
    expect(budget.take('octocat', 'acme#3', 2)).toBe(true);
    now += 3_600_000;
    expect(budget.take('stranger', 'acme#1', 4)).toBe(true);
  });
});
