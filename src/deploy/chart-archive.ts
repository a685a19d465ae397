import { mkdir, realpath, rm } from 'node:fs/promises';
import { posix, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { configPath } from '../config/load-config.ts';
import { UserFacingError } from '../errors.ts';

export const archiveLimits = {
  maxFiles: 2_000,
  maxBytes: 50 * 1024 * 1024,
  /** The whole repository's tarball, as downloaded: kept on disk, never in memory. */
  maxArchiveBytes: 1024 * 1024 * 1024,
};

/** A chart path stays inside the repository: relative, no `..`. */
export function normaliseChartPath(chartPath: string): string {
  const normal = posix.normalize(chartPath.replaceAll('\\', '/')).replace(/\/+$/, '');
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../') || normal === '.') {
    throw new UserFacingError(`chart path \`${chartPath}\` must be a folder inside the repository`);
  }
  return normal;
}

/**
 * Extracts only the chart folder from a GitHub tarball (one top folder,
 * `<owner>-<repo>-<sha7>/`). Sizes are bounded and links and climbing paths
 * are refused, so a hostile archive can neither escape `dest`, fill the disk,
 * nor make helm read files outside the chart.
 */
export async function extractChart(params: {
  /** The gzip tarball, as a stream (from the file it was downloaded to) or in memory. */
  archive: Readable | Buffer;
  chartPath: string;
  dest: string;
}): Promise<string> {
  const chartPath = normaliseChartPath(params.chartPath);
  await mkdir(params.dest, { recursive: true });
  const seen = { files: 0, bytes: 0, found: false, config: false };
  const refused = { links: [] as string[], climbing: [] as string[], linkOnPath: '' };
  let limitHit: string | undefined;
  const extractor = tar.x({
    cwd: params.dest,
    strip: 1,
    preservePaths: false,
    filter: (path, entry) => {
      const inside = path.split('/').slice(1).join('/').replace(/\/+$/, '');
      if (inside === configPath) seen.config = true;
      const type = 'type' in entry ? entry.type : 'File';
      const isLink = type === 'SymbolicLink' || type === 'Link';
      if (isLink && (inside === chartPath || chartPath.startsWith(`${inside}/`))) {
        refused.linkOnPath = inside;
      }
      if (!inside.startsWith(`${chartPath}/`) && inside !== chartPath) return false;
      const relative = inside.slice(chartPath.length + 1);
      if (inside.split('/').includes('..')) {
        refused.climbing.push(relative);
        return false;
      }
      if (isLink) {
        const target = 'linkpath' in entry ? entry.linkpath : undefined;
        refused.links.push(`\`${relative}\` → \`${target ?? '?'}\``);
        return false;
      }
      if (type !== 'File' && type !== 'Directory') return false;
      seen.found = true;
      seen.files += 1;
      seen.bytes += entry.size ?? 0;
      if (seen.files > archiveLimits.maxFiles)
        limitHit = `more than ${archiveLimits.maxFiles} files`;
      if (seen.bytes > archiveLimits.maxBytes) {
        limitHit = `more than ${archiveLimits.maxBytes / 1024 / 1024} MiB`;
      }
      return limitHit === undefined;
    },
  });
  try {
    const source = Buffer.isBuffer(params.archive)
      ? Readable.from([params.archive])
      : params.archive;
    await pipeline(source, extractor);
  } catch (error) {
    throw unreadableArchive(error);
  }
  if (refused.linkOnPath) {
    throw new UserFacingError(
      `chart path \`${chartPath}\` goes through a link (\`${refused.linkOnPath}\`); previews only read real folders`,
    );
  }
  if (refused.climbing.length > 0) {
    throw new UserFacingError(
      `the archive has entries that climb out of the chart folder: ${listed(refused.climbing.map((p) => `\`${p}\``))}`,
    );
  }
  if (refused.links.length > 0) {
    throw new UserFacingError(
      `the chart folder holds links, which previews do not follow: ${listed(refused.links)}`,
    );
  }
  if (limitHit) throw new UserFacingError(`the chart folder is too large: ${limitHit}`);
  if (!seen.found) {
    // The natural first pull request adds both: its config is not the one in use yet.
    throw new UserFacingError(
      `chart folder \`${chartPath}\` does not exist in the commit${seen.config ? `; note that \`${configPath}\` is read from the default branch, not from the pull request: the one this commit has takes effect once it is merged` : ''}`,
    );
  }
  const chartDir = await realpath(join(params.dest, ...chartPath.split('/')));
  const root = await realpath(params.dest);
  if (!chartDir.startsWith(root + sep)) {
    throw new UserFacingError(`chart path \`${chartPath}\` leaves the repository`);
  }
  return chartDir;
}

/**
 * Removes the folder a chart was extracted to. After tar gives up on an
 * archive, files it had opened may still be closing: removal is retried.
 */
export function removeExtracted(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/** tar aborts on archives that unpack to over 1000 times their size (gzip bombs). */
function unreadableArchive(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('decompression ratio')) {
    return new UserFacingError(
      'the commit archive unpacks to over 1000 times its size; previews refuse compression bombs',
    );
  }
  if (
    /TAR_|zlib|incorrect header|unexpected end/i.test(message) ||
    (error as { code?: string }).code?.startsWith('Z_')
  ) {
    return new UserFacingError(`the commit archive cannot be read: ${message}`);
  }
  return error instanceof Error ? error : new Error(message);
}

const maxListed = 10;

function listed(items: string[]): string {
  const shown = items.slice(0, maxListed).join(', ');
  return items.length > maxListed ? `${shown} and ${items.length - maxListed} more` : shown;
}
