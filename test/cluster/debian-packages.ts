import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Debian's packages unpacked into `<out>/root`: `apt-get download` and
 * `dpkg-deb -x` need no root and install nothing system-wide, so the bed
 * runs Debian's own builds beside the tools it builds from source.
 */
export function unpackDebianPackages(out: string, packages: readonly string[]): void {
  const debs = join(out, 'debs');
  mkdirSync(debs);
  let download = spawnSync('apt-get', ['download', ...packages], { cwd: debs, encoding: 'utf8' });
  if (download.status !== 0) {
    // A fresh machine may not have read its package lists yet.
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    download = spawnSync('apt-get', ['download', ...packages], { cwd: debs, encoding: 'utf8' });
  }
  if (download.status !== 0) {
    throw new Error(`apt-get download ${packages.join(' ')} failed: ${download.stderr}`);
  }
  for (const deb of readdirSync(debs)) {
    const unpack = spawnSync('dpkg-deb', ['-x', join(debs, deb), join(out, 'root')], {
      encoding: 'utf8',
    });
    if (unpack.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.stderr}`);
  }
  rmSync(debs, { recursive: true });
}

/**
 * A script named `name` in `out` that runs the unpacked `binary` (a path
 * inside the package root, e.g. `usr/bin/redis-server`) with the unpacked
 * libraries first (and `libSubdirs` of them, where a package keeps its own),
 * wherever the tools folder was moved to.
 */
export function writeLauncher(
  out: string,
  name: string,
  binary: string,
  libSubdirs: readonly string[] = [],
): void {
  const path = ['$lib', ...libSubdirs.map((dir) => `$lib/${dir}`)].join(':');
  writeFileSync(
    join(out, name),
    [
      '#!/bin/sh',
      'here=$(dirname "$(readlink -f "$0")")',
      'for lib in "$here"/root/usr/lib/*-linux-gnu; do :; done',
      `LD_LIBRARY_PATH="${path}" exec "$here/root/${binary}" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}
