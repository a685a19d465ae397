import type { Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** A collection a wait looks at: its API path, and the resourceVersion its last list or read returned. */
export interface WatchedCollection {
  path: string;
  resourceVersion?: string;
  fieldSelector?: string;
}

/** Watches that ended with an error before a wait gives up watching and only looks at its pauses. */
const maxFailures = 3;

/**
 * Wakes a wait when what it waits for changes, so that it looks again at once
 * rather than at its next pause: a rollout is seen ready within milliseconds
 * of the API server recording it, not up to half a second later. The wait's
 * own lists stay the truth; the watches only say when to look. A watch that
 * cannot be had or ends (no right to watch, a resourceVersion too old, the
 * API server closing it) leaves the wait to its pauses until the next list
 * opens it again, at most a few times per wait.
 */
export class ChangeWatch {
  private readonly watch: Watch;
  /** By path: the open watches' controllers. */
  private readonly open = new Map<string, Promise<AbortController>>();
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
   * failed too often.
   */
  async follow(collections: WatchedCollection[]): Promise<void> {
    if (this.stopped || this.failures >= maxFailures) return;
    await Promise.all(
      collections
        .filter((collection) => !this.open.has(collection.path))
        .map((collection) => this.start(collection)),
    );
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

  async stop(): Promise<void> {
    this.stopped = true;
    const controllers = await Promise.all(this.open.values());
    this.open.clear();
    for (const controller of controllers) controller.abort();
  }

  private async start(collection: WatchedCollection): Promise<void> {
    let ended = false;
    const end = (failed: boolean) => {
      if (ended || this.stopped) return;
      ended = true;
      this.open.delete(collection.path);
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
        (type: string) => {
          if (type === 'BOOKMARK') return;
          // An ERROR event (410 Gone: the resourceVersion is too old) ends the watch's use.
          if (type === 'ERROR') end(true);
          else this.signal();
        },
        (error: unknown) => end(Boolean(error) && !isInactivityTimeout(error)),
      )
      .catch(() => {
        end(true);
        return new AbortController();
      });
    this.open.set(collection.path, controller);
    // One that ended while it was being opened (`end` ran before `set`) is not open.
    if (ended) this.open.delete(collection.path);
    await controller;
  }

  private signal(): void {
    this.changed = true;
    this.wake?.();
  }
}

/** The client ends a watch that has said nothing for 30 s: not a failure, it is opened again. */
function isInactivityTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}
