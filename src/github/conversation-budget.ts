/** How many conversation writes (replies and reactions) a user, and a pull request, may cause. */
export interface ConversationLimits {
  perUserPerHour: number;
  perPullRequestPerHour: number;
}

/**
 * Anyone may comment `/preview help` on a public repository, and every
 * answer is a write from the installation's budget (500 an hour): bounded
 * per user and per pull request, a flood of comments costs at most that and
 * cannot starve the sticky comments of everyone else. Counted by this
 * replica, over the last hour. A command past the bound still acts (writers'
 * deploys are never refused for it), unanswered; the log says so.
 */
export class ConversationBudget {
  private readonly limits: ConversationLimits;
  private readonly now: () => number;
  private readonly spent = new Map<string, number[]>();

  constructor(limits: ConversationLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /** Whether `writes` more for this user on this pull request fit; counts them if so. */
  take(user: string, pullRequest: string, writes = 1): boolean {
    const now = this.now();
    const byUser = this.recent(`user:${user.toLowerCase()}`, now);
    const byPull = this.recent(`pr:${pullRequest}`, now);
    if (
      byUser.length + writes > this.limits.perUserPerHour ||
      byPull.length + writes > this.limits.perPullRequestPerHour
    ) {
      return false;
    }
    for (let i = 0; i < writes; i++) {
      byUser.push(now);
      byPull.push(now);
    }
    return true;
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.spent.get(key) ?? []).filter((at) => now - at < 3_600_000);
    if (kept.length === 0) this.spent.delete(key);
    this.spent.set(key, kept);
    return kept;
  }
}

export const defaultConversationLimits: ConversationLimits = {
  perUserPerHour: 30,
  perPullRequestPerHour: 60,
};
