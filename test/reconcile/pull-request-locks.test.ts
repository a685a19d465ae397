import { describe, expect, it } from 'vitest';
import type { KubernetesLeases } from '../../src/deploy/kubernetes-lease.ts';
import { PullRequestLocks } from '../../src/reconcile/pull-request-locks.ts';
import { silentLogger } from '../support/fake-ports.ts';

/** Leases as one API server keeps them, for several replicas by name. */
function leaseStore() {
  const holders = new Map<string, string>();
  const events: string[] = [];
  const replica = (identity: string) =>
    ({
      renewEveryMs: 60_000,
      async tryAcquire(name: string) {
        const holder = holders.get(name);
        if (holder && holder !== identity) return false;
        if (!holder) events.push(`${identity} took ${name}`);
        holders.set(name, identity);
        return true;
      },
      async release(name: string) {
        if (holders.get(name) === identity) {
          holders.delete(name);
          events.push(`${identity} gave up ${name}`);
        }
      },
      async isHeld(name: string) {
        return holders.has(name);
      },
    }) as unknown as KubernetesLeases;
  return { replica, events };
}

const pr = { repositoryId: 1, number: 2 };
const lease = 'pr-preview-app-1-pr-1-2';

describe('PullRequestLocks', () => {
  it("keeps the Lease until the job's GitHub writes have left, so another replica waits for them", async () => {
    const store = leaseStore();
    const a = new PullRequestLocks(store.replica('a'), silentLogger, 'app-1');
    const b = new PullRequestLocks(store.replica('b'), silentLogger, 'app-1');
    let writesLeft = () => {};
    const written = new Promise<void>((resolve) => (writesLeft = resolve));
    await a.hold(
      pr,
      async () => store.events.push('a worked'),
      () => written,
    );
    const second = b.hold(pr, async () => store.events.push('b worked'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(store.events).toEqual([`a took ${lease}`, 'a worked']);
    writesLeft();
    await second;
    await b.released();
    expect(store.events).toEqual([
      `a took ${lease}`,
      'a worked',
      `a gave up ${lease}`,
      `b took ${lease}`,
      'b worked',
      `b gave up ${lease}`,
    ]);
  });

  it('lets a later job of the same replica go on under the Lease it still holds, and gives it up after both', async () => {
    const store = leaseStore();
    const a = new PullRequestLocks(store.replica('a'), silentLogger, 'app-1');
    let writesLeft = () => {};
    const written = new Promise<void>((resolve) => (writesLeft = resolve));
    await a.hold(
      pr,
      async () => store.events.push('first'),
      () => written,
    );
    await a.hold(pr, async () => store.events.push('second'));
    await a.released();
    expect(store.events).toEqual([`a took ${lease}`, 'first', 'second']);
    writesLeft();
    await a.released();
    expect(store.events).toEqual([`a took ${lease}`, 'first', 'second', `a gave up ${lease}`]);
  });
});
