import Bottleneck from 'bottleneck';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** GitHub's documented limits on content-creating requests, per installation. */
export interface WriteLimits {
  /** Between two writes: GitHub asks for mutative requests one at a time, a second apart. */
  spacingMs: number;
  perMinute: number;
  perHour: number;
}

export const githubWriteLimits: WriteLimits = { spacingMs: 1000, perMinute: 80, perHour: 500 };

/** Lets one write at a time through when the installation's budget allows it. */
export interface WriteBudget {
  /**
   * Runs `write`, which makes `writes` requests one after another, once the
   * installation may write that many; resolves or rejects as `write` does.
   */
  spend<T>(installationId: number, writes: number, write: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

const hourMs = 3_600_000;
const minuteMs = 60_000;

/**
 * The budget as Bottleneck keeps it, one limiter per installation and
 * window. With a Redis URL the limiters live in Redis, so every replica
 * spends from the same budget: the clustering Bottleneck was built for,
 * rather than a distributed limiter of the app's own (Probot's throttling is
 * kept in each process: see `src/start.ts`).
 */
export class BottleneckWriteBudget implements WriteBudget {
  private readonly groups: Bottleneck.Group[];
  private readonly connection: Bottleneck.IORedisConnection | undefined;
  private readonly spacingMs: number;

  constructor(
    limits: WriteLimits,
    options: {
      redisUrl?: string;
      windowsMs?: [number, number];
      /** Told of Redis errors, which would otherwise end the process. */
      onError?: (error: Error) => void;
    },
  ) {
    const [minute, hour] = options.windowsMs ?? [minuteMs, hourMs];
    this.spacingMs = limits.spacingMs;
    this.connection = options.redisUrl
      ? new Bottleneck.IORedisConnection({
          client: new Redis(options.redisUrl, { maxRetriesPerRequest: 3 }),
        })
      : undefined;
    this.connection?.on('error', (error: Error) => options.onError?.(error));
    if (this.connection) acceptRedis7Errors(this.connection);
    const shared = {
      ...(this.connection ? { connection: this.connection, clearDatastore: false } : {}),
      // A window's state must outlive the window, or an idle minute would refill the hour.
      timeout: 2 * hour,
    };
    this.groups = [
      new Bottleneck.Group({
        ...shared,
        id: 'pr-preview-github-hour',
        reservoir: limits.perHour,
        reservoirRefreshAmount: limits.perHour,
        reservoirRefreshInterval: hour,
      }),
      new Bottleneck.Group({
        ...shared,
        id: 'pr-preview-github-minute',
        reservoir: limits.perMinute,
        reservoirRefreshAmount: limits.perMinute,
        reservoirRefreshInterval: minute,
      }),
      new Bottleneck.Group({
        ...shared,
        id: 'pr-preview-github-turn',
        maxConcurrent: 1,
        // A job that never ends must not hold the turn forever.
        expiration: 5 * minute,
      }),
    ];
    // A limiter's own errors (its Redis work in the background) are told, never thrown.
    for (const group of this.groups) {
      group.on('created', (limiter) => {
        limiter.on('error', (error: Error) => options.onError?.(error));
      });
    }
  }

  spend<T>(installationId: number, writes: number, write: () => Promise<T>): Promise<T> {
    const key = String(installationId);
    const [hour, minute, spacing] = this.groups as [
      Bottleneck.Group,
      Bottleneck.Group,
      Bottleneck.Group,
    ];
    // Each window in turn: the writes count against the hour, then the minute, then wait
    // their turn (Probot's own throttling spaces the requests inside one `write`).
    const weight = Math.max(1, writes);
    return hour
      .key(key)
      .schedule({ weight }, () =>
        minute.key(key).schedule({ weight }, () => this.inTurn(spacing.key(key), write)),
      );
  }

  /**
   * Runs `write` alone and keeps the turn for `spacingMs` after it ends:
   * Bottleneck's minTime counts from a job's start, but a write may wait
   * inside Probot's throttling first, so the requests themselves would
   * arrive closer together. The caller has its answer at once.
   */
  private inTurn<T>(limiter: Bottleneck, write: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      limiter
        .schedule(async () => {
          try {
            resolve(await write());
          } catch (error) {
            reject(error);
          }
          await sleep(this.spacingMs);
        })
        .catch(reject);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.groups.flatMap((group) => group.limiters().map(({ limiter }) => limiter.disconnect())),
    );
    await this.connection?.disconnect();
  }
}

/**
 * Redis 7 reports a Lua script's error as `ERR <message>`; Bottleneck 2.19
 * compares the bare message, so it no longer re-creates a limiter whose keys
 * expired (`SETTINGS_KEY_NOT_FOUND`, bottleneck#205) and every write after a
 * quiet spell fails. Its scripts' errors get their bare message back.
 */
function acceptRedis7Errors(connection: Bottleneck.IORedisConnection): void {
  type Callback = (error: unknown, replies: unknown) => void;
  const scripts = connection as unknown as {
    __scriptArgs__(name: string, id: string, args: unknown[], done: Callback): unknown[];
  };
  const scriptArgs = scripts.__scriptArgs__.bind(connection);
  scripts.__scriptArgs__ = (name, id, args, done) =>
    scriptArgs(name, id, args, (error, replies) => {
      if (error instanceof Error && /^ERR [A-Z_]+$/.test(error.message)) {
        error.message = error.message.slice(4);
      }
      done(error, replies);
    });
}
