import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserFacingError } from '../errors.ts';
import { archiveLimits } from './chart-archive.ts';
import { withRetry } from './retry.ts';

/** Where a commit's archive is downloaded from, and with which headers (its credentials). */
export interface ArchiveLocation {
  url: string;
  headers: Record<string, string>;
}

export interface FetchRequest extends ArchiveLocation {
  archive: string;
  maxBytes: number;
  chartPath: string;
  dest: string;
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
export async function fetchChartApart(params: {
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
  };
  // Up to three attempts, a second, then two, apart: GitHub's archive service has bad moments.
  // `inChild` throws only what is worth another attempt.
  const answer = await withRetry(() => inChild(request), {
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

/** One attempt; a server error, a dropped connection or a crash is thrown, to be tried again. */
function inChild(request: FetchRequest): Promise<FetchAnswer> {
  const script = fileURLToPath(import.meta.url).replace(
    /chart-fetch(\.\w+)$/,
    'chart-fetch-child$1',
  );
  const child = fork(script, [], {
    // Plain node: not the flags of whatever runs the app (a test runner's loaders).
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    timeout: fetchTimeoutMs,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    let answered = false;
    child.once('message', (answer: FetchAnswer) => {
      answered = true;
      if ('status' in answer && answer.status >= 500) {
        reject(new Error(`downloading the archive answered HTTP ${answer.status}`));
      } else if ('error' in answer && !answer.error.userFacing) {
        reject(new Error(answer.error.message));
      } else resolve(answer);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answered) return;
      const how = signal ? `was stopped (${signal})` : `ended with ${code}`;
      reject(new Error(`fetching the chart ${how}: ${stderr.trim().slice(-500)}`));
    });
    child.send(request);
  });
}
