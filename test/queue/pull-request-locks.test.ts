import { ApiException } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesLeases, LeaseNamespaceMissing } from '../../src/deploy/kubernetes-lease.ts';
import { HeldLease, LeaseLost } from '../../src/queue/held-lease.ts';
import { PullRequestLocks } from '../../src/queue/pull-request-locks.ts';
import { silentLogger } from '../support/fake-ports.ts';
import { MemoryLeaseApi } from '../support/memory-leases.ts';

/**
 * Leases on a clock of the test's own: each replica is a KubernetesLeases
 * of its own identity against one in-memory API server that keeps
 * resourceVersions as the real one does.
 */
const name = 'pr-preview-app-1-pr-1-2';
const pr = { repositoryId: 1, number: 2 };

let api: MemoryLeaseApi;
const replica = (identity: string) =>
  new KubernetesLeases(api, { namespace: 'apps', identity, attempts: 1 });

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-01T12:00:00Z') });
  api = new MemoryLeaseApi();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('KubernetesLeases', () => {
  it("judges another holder's Lease by its own clock: expired a duration after it last changed", async () => {
    const b = replica('b');
    // Written by a holder whose clock is an hour behind, and then never renewed.
    api.takeAs(name, 'a', new Date(Date.now() - 3_600_000));
    expect(await b.tryAcquire(name)).toBe(false);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(await b.tryAcquire(name)).toBe(false);
    expect(await b.isHeld(name)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await b.tryAcquire(name)).toBe(true);
    expect(api.leases.get(name)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 2 });
  });

  it('never takes a Lease its holder renews, however old the times it writes', async () => {
    const b = replica('b');
    for (let second = 0; second < 120; second += 10) {
      api.takeAs(name, 'a', new Date(0));
      expect(await b.tryAcquire(name)).toBe(false);
      await vi.advanceTimersByTimeAsync(10_000);
    }
  });

  it('of two takers at once, gives the Lease to one', async () => {
    const results = await Promise.all([
      replica('a').tryAcquire(name),
      replica('b').tryAcquire(name),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('says a missing Lease namespace is one, and /readyz hears it until a Lease is taken', async () => {
    const a = replica('a');
    api.namespaceExists = false;
    await expect(a.tryAcquire(name)).rejects.toBeInstanceOf(LeaseNamespaceMissing);
    expect(a.problem()).toMatch(/Lease namespace `apps` does not exist/);
    api.namespaceExists = true;
    expect(await a.tryAcquire(name)).toBe(true);
    expect(a.problem()).toBeUndefined();
  });

  it('releases by emptying the Lease when asked to keep it, its transitions counted on', async () => {
    const a = replica('a');
    const b = replica('b');
    await a.tryAcquire(name);
    await a.release(name, { keep: true });
    expect(api.leases.get(name)?.spec).toMatchObject({ holderIdentity: '', leaseTransitions: 0 });
    expect(await b.tryAcquire(name)).toBe(true);
    expect(api.leases.get(name)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.release(name);
    expect(api.leases.has(name)).toBe(false);
  });
});

describe('HeldLease', () => {
  it('renews every retry period while held', async () => {
    const held = await HeldLease.acquire(replica('a'), name, { logger: silentLogger });
    const renewed = () => new Date(api.leases.get(name)?.spec?.renewTime as Date).getTime();
    const first = renewed();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(renewed()).toBe(first + 4_000);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(renewed()).toBe(first + 44_000);
    expect(held.signal.aborted).toBe(false);
    await held.release();
  });

  it('is lost at the first renewal after another replica took it', async () => {
    const held = await HeldLease.acquire(replica('a'), name, { logger: silentLogger });
    api.takeAs(name, 'b', new Date());
    await vi.advanceTimersByTimeAsync(4_000);
    expect(held.signal.aborted).toBe(true);
    expect(held.signal.reason).toBeInstanceOf(LeaseLost);
    expect(String(held.signal.reason)).toMatch(/another replica holds the Lease/);
  });

  it('steps down when renewals fail for the renew deadline, not before', async () => {
    const held = await HeldLease.acquire(replica('a'), name, { logger: silentLogger });
    api.unreachable = true;
    await vi.advanceTimersByTimeAsync(16_000);
    expect(held.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(held.signal.aborted).toBe(true);
    expect(String(held.signal.reason)).toMatch(/could not be renewed for 20 s/);
  });
});

describe('HeldLease, when calls hang or answers are lost', () => {
  it('is lost at the renew deadline though a renewal hangs and never answers', async () => {
    const held = await HeldLease.acquire(replica('a'), name, { logger: silentLogger });
    // The API server takes the request and never answers (a dead connection).
    api.readNamespacedLease = () => new Promise(() => undefined);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(held.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.signal.aborted).toBe(true);
  });

  it('keeps the Lease when a renewal was written but its answer lost', async () => {
    const a = replica('a');
    expect(await a.tryAcquire(name)).toBe(true);
    const replace = api.replaceNamespacedLease.bind(api);
    let lose = true;
    api.replaceNamespacedLease = async (params) => {
      const written = await replace(params);
      if (lose) {
        lose = false;
        // Written, but the answer never came: the retry meets its own write.
        throw new ApiException(409, 'Conflict', {}, {});
      }
      return written;
    };
    expect(await a.tryAcquire(name)).toBe(true);
    expect(api.leases.get(name)?.spec?.holderIdentity).toBe('a');
  });

  it('takes a Lease deleted between its read and its write again, without calling its namespace missing', async () => {
    const a = replica('a');
    await a.tryAcquire(name);
    const replace = api.replaceNamespacedLease.bind(api);
    api.replaceNamespacedLease = async () => {
      api.replaceNamespacedLease = replace;
      api.leases.delete(name);
      throw new ApiException(404, 'Not Found', {}, {});
    };
    expect(await a.tryAcquire(name)).toBe(true);
    expect(a.problem()).toBeUndefined();
  });
});

describe('PullRequestLocks', () => {
  it('waits for another replica to let go, gives the Lease up when its job ends, and stops waiting on shutdown', async () => {
    const a = new PullRequestLocks(replica('a'), silentLogger, 'app-1');
    const b = new PullRequestLocks(replica('b'), silentLogger, 'app-1');
    const events: string[] = [];
    let finish = () => {};
    const first = a.hold(pr, async () => {
      events.push('a works');
      await new Promise<void>((resolve) => (finish = resolve));
    });
    await vi.advanceTimersByTimeAsync(0);
    const second = b.hold(pr, async () => void events.push('b works'));
    // B waits as long as A works, past any fixed deadline, renewing nothing itself.
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(events).toEqual(['a works']);
    finish();
    await first;
    expect(api.leases.has(name)).toBe(false);
    await vi.advanceTimersByTimeAsync(4_000);
    await second;
    expect(events).toEqual(['a works', 'b works']);
    expect(api.leases.has(name)).toBe(false);

    // A third job waits behind another replica's; shutdown ends the wait, and the job never runs.
    api.takeAs(name, 'c', new Date());
    const third = a.hold(pr, async () => void events.push('a again'));
    a.stopWaiting();
    await expect(third).rejects.toThrow(/shutting down/);
    expect(events).toEqual(['a works', 'b works']);
  });

  it("aborts the job's signal when the Lease is lost while it works", async () => {
    const a = new PullRequestLocks(replica('a'), silentLogger, 'app-1');
    let seen: AbortSignal | undefined;
    let finish = () => {};
    const job = a.hold(pr, async (lease) => {
      seen = lease;
      await new Promise<void>((resolve) => (finish = resolve));
    });
    await vi.advanceTimersByTimeAsync(0);
    api.takeAs(name, 'b', new Date());
    await vi.advanceTimersByTimeAsync(4_000);
    expect(seen?.aborted).toBe(true);
    finish();
    await job;
    // Not its Lease any more: left as the other replica holds it.
    expect(api.leases.get(name)?.spec?.holderIdentity).toBe('b');
  });
});
