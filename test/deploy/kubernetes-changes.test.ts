import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ChangeWatch } from '../../src/deploy/kubernetes-changes.ts';

/** A stand-in for client-node's Watch: each opened watch can be fed events or ended. */
class FakeWatch {
  readonly opened: {
    path: string;
    query: Record<string, unknown>;
    event: (type: string, object?: KubernetesObject) => void;
    end: (error: unknown) => void;
    controller: AbortController;
  }[] = [];
  refuse = false;
  /** Set: each watch is answered only when `answer` is called, as behind a proxy that holds headers. */
  hold = false;
  private readonly held: (() => void)[] = [];

  answer(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  watch(
    path: string,
    query: Record<string, unknown>,
    callback: (type: string, object: unknown) => void,
    done: (error: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    if (this.refuse) {
      // As the client does when the API server answers 403: done, then the controller.
      done(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
      return Promise.resolve(controller);
    }
    this.opened.push({
      path,
      query,
      event: (type, object = {} as KubernetesObject) => callback(type, object),
      end: done,
      controller,
    });
    if (!this.hold) return Promise.resolve(controller);
    return new Promise((resolve) => this.held.push(() => resolve(controller)));
  }

  get asWatch(): Watch {
    return this as unknown as Watch;
  }
}

const deployment = (name: string, readyReplicas: number): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'a' },
    status: { readyReplicas },
  }) as KubernetesObject;

const path = '/apis/apps/v1/namespaces/a/deployments';
const collections = [{ path, resourceVersion: '42', items: [deployment('web', 0)] }];

const readiness = (items: KubernetesObject[] | undefined) =>
  items?.map(
    (d) =>
      `${d.metadata?.name}:${(d as { status: { readyReplicas: number } }).status.readyReplicas}`,
  );

describe('ChangeWatch', () => {
  it('watches from the list it follows, and wakes its wait at the first change', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    changes.follow(collections);
    expect(fake.opened.map(({ path, query }) => [path, query.resourceVersion])).toEqual([
      ['/apis/apps/v1/namespaces/a/deployments', '42'],
    ]);
    expect(changes.watching).toBe(true);
    const woken = changes.next(60_000);
    fake.opened[0]?.event('MODIFIED');
    await expect(woken).resolves.toBe(true);
    // A later pause with no change runs its course.
    await expect(changes.next(10)).resolves.toBe(false);
    await changes.stop();
    expect(fake.opened[0]?.controller.signal.aborted).toBe(true);
  });

  it('keeps a change that came while the wait was looking for the next pause', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    changes.follow(collections);
    fake.opened[0]?.event('ADDED');
    await expect(changes.next(60_000)).resolves.toBe(true);
    await changes.stop();
  });

  it('is not woken by bookmarks', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    changes.follow(collections);
    fake.opened[0]?.event('BOOKMARK');
    await expect(changes.next(10)).resolves.toBe(false);
    await changes.stop();
  });

  it('opens a watch again after it ended, and does not open one that is open', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    changes.follow(collections);
    changes.follow(collections);
    expect(fake.opened).toHaveLength(1);
    // The API server closed it, or the client's 30 s without a word: looked at again, then reopened.
    fake.opened[0]?.end(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    await expect(changes.next(60_000)).resolves.toBe(true);
    expect(changes.watching).toBe(false);
    for (let i = 0; i < 5; i++) {
      changes.follow([{ ...collections[0]!, resourceVersion: `${50 + i}` }]);
      fake.opened.at(-1)?.end(null);
    }
    expect(fake.opened).toHaveLength(6);
    await changes.stop();
  });

  it('leaves the wait to its pauses once watches keep failing (no right to watch, a resourceVersion too old)', async () => {
    const fake = new FakeWatch();
    fake.refuse = true;
    const changes = new ChangeWatch(fake.asWatch);
    for (let i = 0; i < 3; i++) changes.follow(collections);
    expect(changes.watching).toBe(false);
    fake.refuse = false;
    changes.follow(collections);
    expect(fake.opened).toHaveLength(0);

    const gone = new FakeWatch();
    const again = new ChangeWatch(gone.asWatch);
    for (let i = 0; i < 5; i++) {
      again.follow(collections);
      gone.opened.at(-1)?.event('ERROR');
    }
    expect(gone.opened).toHaveLength(3);
    await again.stop();
  });

  it('keeps each collection as its list and the watch since tell it, until the watch ends', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    expect(changes.items({ path })).toBeUndefined();
    changes.follow(collections);
    expect(readiness(changes.items({ path }))).toEqual(['web:0']);
    fake.opened[0]?.event('MODIFIED', deployment('web', 1));
    fake.opened[0]?.event('ADDED', deployment('worker', 0));
    expect(readiness(changes.items({ path }))).toEqual(['web:1', 'worker:0']);
    fake.opened[0]?.event('DELETED', deployment('worker', 0));
    expect(readiness(changes.items({ path }))).toEqual(['web:1']);
    // Another selection of the same path is a collection of its own.
    expect(changes.items({ path, fieldSelector: 'metadata.name=web' })).toBeUndefined();
    // Once its watch ends, a view could miss changes: the wait lists again.
    fake.opened[0]?.end(null);
    expect(changes.items({ path })).toBeUndefined();
    await changes.stop();
  });

  it('opens nothing once stopped', async () => {
    const fake = new FakeWatch();
    const changes = new ChangeWatch(fake.asWatch);
    await changes.stop();
    changes.follow(collections);
    expect(fake.opened).toHaveLength(0);
  });

  it('holds no wait for a watch not answered yet: the list is the view meanwhile, and stop closes it once answered', async () => {
    const fake = new FakeWatch();
    fake.hold = true;
    const changes = new ChangeWatch(fake.asWatch);
    changes.follow(collections);
    expect(fake.opened).toHaveLength(1);
    expect(readiness(changes.items({ path }))).toEqual(['web:0']);
    // A change since the list comes once the watch is answered.
    fake.opened[0]?.event('MODIFIED', deployment('web', 1));
    expect(readiness(changes.items({ path }))).toEqual(['web:1']);
    await changes.stop();
    expect(fake.opened[0]?.controller.signal.aborted).toBe(false);
    fake.answer();
    await Promise.resolve();
    await Promise.resolve();
    expect(fake.opened[0]?.controller.signal.aborted).toBe(true);
  });
});
