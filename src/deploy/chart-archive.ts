import { mkdir, realpath } from 'node:fs/promises';
import { posix, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { UserFacingError } from '../errors.ts';

export const archiveLimits = {
  maxFiles: 2_000,
  maxBytes: 50 * 1024 * 1024,
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
 * `<owner>-<repo>-<sha7>/`). Links are skipped and sizes are bounded, so a
 * hostile archive can neither escape `dest` nor fill the disk.
 */
export async function extractChart(params: {
  archive: Buffer;
  chartPath: string;
  dest: string;
}): Promise<string> {
  const chartPath = normaliseChartPath(params.chartPath);
  await mkdir(params.dest, { recursive: true });
  let files = 0;
  let bytes = 0;
  let found = false;
  let limitHit: string | undefined;
  const extractor = tar.x({
    cwd: params.dest,
    strip: 1,
    preservePaths: false,
    filter: (path, entry) => {
      const inside = path.split('/').slice(1).join('/');
      if (inside !== chartPath && !inside.startsWith(`${chartPath}/`)) return false;
      const type = 'type' in entry ? entry.type : 'File';
      if (type !== 'File' && type !== 'Directory') return false;
      found = true;
      files += 1;
      bytes += entry.size ?? 0;
      if (files > archiveLimits.maxFiles) limitHit = `more than ${archiveLimits.maxFiles} files`;
      if (bytes > archiveLimits.maxBytes) limitHit = `more than ${archiveLimits.maxBytes} bytes`;
      return limitHit === undefined;
    },
  });
  await pipeline(Readable.from(params.archive), extractor);
  if (limitHit) throw new UserFacingError(`the chart folder is too large: ${limitHit}`);
  if (!found)
    throw new UserFacingError(`chart folder \`${chartPath}\` does not exist in the commit`);
  const chartDir = await realpath(join(params.dest, ...chartPath.split('/')));
  const root = await realpath(params.dest);
  if (!chartDir.startsWith(root + sep)) {
    throw new UserFacingError(`chart path \`${chartPath}\` leaves the repository`);
  }
  return chartDir;
}
