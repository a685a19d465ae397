import { fork, type ChildProcess } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserFacingError } from '../errors.ts';
import type { ArchiveLocation } from '../ports.ts';
import { archiveLimits } from './chart-archive.ts';
import { withRetry } from './retry.ts';

export interface FetchRequest extends ArchiveLocation {
  archive: string;
  maxBytes: number;
  chartPath: string;
  dest: string;
  /** The whole download may take this long. */
  timeoutMs: number;
}

export type FetchAnswer =
  { chartDir: string } | { status: number } | { error: { message: string; userFacing: boolean } };

const fetchTimeoutMs = 10 * 60_000;

/**
 * Downloads a commit's archive and unpacks its chart folder in a child
 * process. Every byte of the repository passes through that process only:
 * however large the repository, the app's own memory is bounded by the
 * chart, and what the archive allocated goes with the child. The archive is
 * kept on disk, capped, and removed once unpacked; the limits and messages
 * are `extractChart`'s.
 */
export async function fetchChartInChild(params: {
  location: ArchiveLocation;
  chartPath: string;
  workDir: string;
  /** For messages: the commit. */
  sha: string;
  maxBytes?: number;
}): Promise<string> {
  const request: FetchRequest = {
    ...params.location,
    archive: join(params.workDir, 'archive.tar.gz'),
    maxBytes: params.maxBytes ?? archiveLimits.maxArchiveBytes,
    chartPath: params.chartPath,
    dest: join(params.workDir, 'repository'),
    timeoutMs: fetchTimeoutMs,
  };
  // Up to three attempts, a second, then two, apart: GitHub's archive service has bad moments.
  // The fetcher throws only what is worth another attempt.
  const answer = await withRetry(() => fetcher.fetch(request), {
    attempts: 3,
    firstDelayMs: 1000,
    retriable: () => true,
  });
  if ('chartDir' in answer) return answer.chartDir;
  if ('status' in answer) {
    if (answer.status === 404) {
      throw new UserFacingError(
        `commit ${params.sha.slice(0, 7)} cannot be downloaded (not found)`,
      );
    }
    throw new Error(`downloading commit ${params.sha.slice(0, 7)} answered HTTP ${answer.status}`);
  }
  if (answer.error.userFacing) throw new UserFacingError(answer.error.message);
  throw new Error(answer.error.message);
}

/**
 * How large one archive may be on this disk: the usual cap, or less when the
 * disk could not hold one for each fetch that may run at once. A download
 * that would not fit fails as too large (and is remembered as a failure),
 * rather than fill the disk until the kubelet evicts the app.
 */
export async function archiveCapFor(dir: string, concurrentFetches: number): Promise<number> {
  const disk = await statfs(dir).catch(() => undefined);
  if (!disk) return archiveLimits.maxArchiveBytes;
  const free = disk.bavail * disk.bsize;
  return Math.max(0, Math.min(archiveLimits.maxArchiveBytes, Math.floor(free / concurrentFetches)));
}

/**
 * One child process for every fetch, started on first use and again after it
 * ends: a process per fetch cost a Node start-up each (a quarter of a second
 * of CPU, which a burst of pull requests pays a hundred times). A server
 * error, a dropped connection or a crash is thrown, to be tried again; a
 * crash fails the fetches it had, which their retries send to a new child.
 */
class ChartFetcher {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (answer: FetchAnswer) => void; reject: (error: Error) => void }
  >();

  fetch(request: FetchRequest): Promise<FetchAnswer> {
    const child = this.running();
    const id = this.nextId++;
    return new Promise<FetchAnswer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While a fetch is under way the child keeps the app alive; idle, it does not.
      child.channel?.ref();
      child.send({ id, request }, (error) => {
        if (error) this.settle(id, () => reject(error));
      });
    }).then((answer) => {
      if ('status' in answer && answer.status >= 500) {
        throw new Error(`downloading the archive answered HTTP ${answer.status}`);
      }
      if ('error' in answer && !answer.error.userFacing) throw new Error(answer.error.message);
      return answer;
    });
  }

  private running(): ChildProcess {
    if (this.child) return this.child;
    const script = fileURLToPath(import.meta.url).replace(
      /chart-fetch(\.\w+)$/,
      'chart-fetch-child$1',
    );
    const child = fork(script, [], {
      // Plain node: not the flags of whatever runs the app (a test runner's loaders).
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('message', ({ id, answer }: { id: number; answer: FetchAnswer }) =>
      this.settle(id, (entry) => entry.resolve(answer)),
    );
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const how = signal ? `was stopped (${signal})` : `ended with ${code}`;
      const error = new Error(`fetching the chart ${how}: ${stderr.trim().slice(-500)}`);
      for (const id of [...this.pending.keys()]) this.settle(id, (entry) => entry.reject(error));
    });
    child.once('error', () => child.kill('SIGKILL'));
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private settle(
    id: number,
    done: (entry: {
      resolve: (answer: FetchAnswer) => void;
      reject: (error: Error) => void;
    }) => void,
  ): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.child?.channel?.unref();
    done(entry);
  }
}

const fetcher = new ChartFetcher();
