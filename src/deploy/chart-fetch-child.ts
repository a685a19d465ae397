import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { UserFacingError } from '../errors.ts';
import { extractChart } from './chart-archive.ts';
import type { FetchRequest, FetchAnswer } from './chart-fetch.ts';

/**
 * Run as a long-lived child process by `fetchChartInChild`: for each request
 * (by id, several at once), downloads a commit's archive to a file (with a
 * size cap), unpacks its chart folder, removes the archive, and says over IPC
 * where the chart is or why not. It exits when the app does.
 */
process.on('message', ({ id, request }: { id: number; request: FetchRequest }) => {
  const answer = (body: FetchAnswer) => process.send?.({ id, answer: body });
  fetchChart(request).then(answer, (error: unknown) =>
    answer({
      error: {
        message: error instanceof Error ? error.message : String(error),
        userFacing: error instanceof UserFacingError,
      },
    }),
  );
});
process.on('disconnect', () => process.exit(0));

async function fetchChart(request: FetchRequest): Promise<FetchAnswer> {
  const response = await fetch(request.url, {
    headers: request.headers,
    redirect: 'follow',
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    return { status: response.status };
  }
  try {
    await pipeline(
      Readable.fromWeb(response.body as ReadableStream<Uint8Array>),
      capped(request.maxBytes),
      createWriteStream(request.archive),
    );
    const chartDir = await extractChart({
      archive: createReadStream(request.archive),
      chartPath: request.chartPath,
      dest: request.dest,
    });
    return { chartDir };
  } finally {
    await rm(request.archive, { force: true });
  }
}

/** Passes bytes through until there are more than `max`, then fails with a clear message. */
function capped(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen <= max) return done(null, chunk);
      const limit = max >= 2 ** 20 ? `${Math.round(max / 2 ** 20)} MiB` : `${max} bytes`;
      done(
        new UserFacingError(
          `the commit's archive is larger than ${limit}; previews download at most that`,
        ),
      );
    },
  });
}
