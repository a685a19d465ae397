import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** A collection a wait looks at: its API path, and what its list returned (items and resourceVersion). */
export interface WatchedCollection {
  path: string;
  resourceVersion?: string;
  fieldSelector?: string;
  items: KubernetesObject[];
}

/** Watches that ended with an error before a wait gives up watching and only looks at its pauses. */
const maxFailures = 3;

/**
 * What a wait looks at, kept as client-go's informers keep it: listed once,
 * then brought up to date by a watch from the list's resourceVersion, so
 * nothing that changed since is missed and looking again costs the API server
 * nothing. (`kubectl rollout status` and `helm --wait` watch alike.) A change
 * wakes the wait at once rather than at its next pause: a rollout is seen
 * ready within milliseconds of the API server recording it. A watch that
 * cannot be had or ends (no right to watch, a resourceVersion too old, the
 * API server closing it) drops its collection's view: the wait lists it
 * again, which opens the watch again, at most a few times per wait.
 */
export class ChangeWatch {
  private readonly watch: Watch;
  /** By collection: the open watches' controllers. */
  private readonly open = new Map<string, Promise<AbortController>>();
  /** By collection: its objects as the list and the watch since tell them, by namespace and name. */
  private readonly views = new Map<string, Map<string, KubernetesObject>>();
  private changed = false;
  private wake: (() => void) | undefined;
  private failures = 0;
  private stopped = false;

  constructor(watch: Watch) {
    this.watch = watch;
  }

  /**
   * Watches each collection not watched yet from the resourceVersion given
   * (the list's: nothing that changed since is missed), unless watches have
   * failed too often. The watches open in the background: until the API
   * server answers, the list is the view (the watch, from the list's
   * resourceVersion, then brings what changed since). A proxy that holds the
   * answer's headers until the first event would otherwise hold the wait.
   */
  follow(collections: WatchedCollection[]): void {
    if (this.stopped || this.failures >= maxFailures) return;
    for (const collection of collections) {
      if (!this.open.has(keyOf(collection))) this.start(collection);
    }
  }

  /** The collection's objects now, while its watch is open; otherwise undefined: list it. */
  items(
    collection: Omit<WatchedCollection, 'items' | 'resourceVersion'>,
  ): KubernetesObject[] | undefined {
    const view = this.views.get(keyOf(collection));
    return view ? [...view.values()] : undefined;
  }

  /** Whether changes are being watched: a wait then needs to look less often. */
  get watching(): boolean {
    return this.open.size > 0;
  }

  /** Returns after `ms`, or as soon as a change came since the last call: true if one did. */
  async next(ms: number): Promise<boolean> {
    if (!this.changed) {
      const cancel = new AbortController();
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      await Promise.race([woken, sleep(ms, undefined, { signal: cancel.signal }).catch(() => {})]);
      cancel.abort();
      this.wake = undefined;
    }
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /** Closes the watches; one still being opened is closed once it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    const opening = [...this.open.values()];
    this.open.clear();
    this.views.clear();
    for (const controller of opening) void controller.then((open) => open.abort());
    // The watches already open are closed by now: their `then`s ran first.
    await Promise.resolve();
  }

  private start(collection: WatchedCollection): void {
    const key = keyOf(collection);
    const view = new Map(collection.items.map((object) => [nameOf(object), object]));
    let ended = false;
    const end = (failed: boolean) => {
      if (ended || this.stopped) return;
      ended = true;
      this.open.delete(key);
      this.views.delete(key);
      if (failed) this.failures += 1;
      // Looked at again now: that list opens the watch again from where it stands.
      this.signal();
    };
    const controller = this.watch
      .watch(
        collection.path,
        {
          resourceVersion: collection.resourceVersion,
          fieldSelector: collection.fieldSelector,
          allowWatchBookmarks: true,
        },
        (type: string, object: KubernetesObject) => {
          if (type === 'BOOKMARK' || ended) return;
          // An ERROR event (410 Gone: the resourceVersion is too old) ends the watch's use.
          if (type === 'ERROR') return end(true);
          if (type === 'DELETED') view.delete(nameOf(object));
          else view.set(nameOf(object), object);
          this.signal();
        },
        (error: unknown) => end(Boolean(error) && !isInactivityTimeout(error)),
      )
      .catch(() => {
        end(true);
        return new AbortController();
      });
    // One that ended while it was being called (`end` ran first) is not open.
    if (!ended) {
      this.open.set(key, controller);
      this.views.set(key, view);
    }
  }

  private signal(): void {
    this.changed = true;
    this.wake?.();
  }
}

function keyOf(collection: Pick<WatchedCollection, 'path' | 'fieldSelector'>): string {
  return `${collection.path}?${collection.fieldSelector ?? ''}`;
}

function nameOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/** The client ends a watch that has said nothing for 30 s: not a failure, it is opened again. */
function isInactivityTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}
