import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { ProbotOctokit } from 'probot';
import { archiveLimits } from '../deploy/chart-archive.ts';
import { UserFacingError } from '../errors.ts';
import type { ChartSource } from '../ports.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Charts come from the pull request's head commit through the base
 * repository's tarball endpoint, which serves fork commits of open pull
 * requests too. One download per commit, however many tenants, streamed to
 * disk: memory does not grow with the repository.
 */
export class GitHubChartSource implements ChartSource {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };
  private readonly maxBytes: number;

  constructor(
    octokit: Octokit,
    repo: { owner: string; repo: string },
    maxBytes = archiveLimits.maxArchiveBytes,
  ) {
    this.octokit = octokit;
    this.repo = repo;
    this.maxBytes = maxBytes;
  }

  async downloadArchive(sha: string, file: string): Promise<void> {
    let body: ReadableStream<Uint8Array>;
    try {
      const response = await this.octokit.rest.repos.downloadTarballArchive({
        ...this.repo,
        ref: sha,
        request: { parseSuccessResponseBody: false },
      });
      body = response.data as unknown as ReadableStream<Uint8Array>;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404)
        throw new UserFacingError(`commit ${sha.slice(0, 7)} cannot be downloaded (not found)`);
      throw error;
    }
    await pipeline(Readable.fromWeb(body), capped(this.maxBytes), createWriteStream(file));
  }
}

/** Passes bytes through until there are more than `max`, then fails with a clear message. */
function capped(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) {
        done(
          new UserFacingError(
            `the commit's archive is larger than ${max >= 2 ** 20 ? `${Math.round(max / 2 ** 20)} MiB` : `${max} bytes`}; previews download at most that`,
          ),
        );
      } else done(null, chunk);
    },
  });
}
