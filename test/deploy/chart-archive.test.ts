import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveLimits, extractChart, removeExtracted } from '../../src/deploy/chart-archive.ts';
import { tarball } from '../support/tarball.ts';

const top = 'acme-foo-abc1234';
let dest: string;

beforeEach(async () => {
  dest = await mkdtemp(join(tmpdir(), 'chart-archive-test-'));
});
afterEach(async () => {
  await rm(dest, { recursive: true, force: true });
});

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('extractChart', () => {
  it('extracts only the chart folder and returns its path', async () => {
    const archive = tarball([
      { path: `${top}/README.md`, body: 'hi' },
      { path: `${top}/.cloud/charts/foo/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/.cloud/charts/foo/templates/a.yaml`, body: 'kind: A' },
      { path: `${top}/.cloud/charts/foobar/Chart.yaml`, body: 'name: foobar' },
    ]);
    const chartDir = await extractChart({ archive, chartPath: '.cloud/charts/foo/', dest });
    expect(chartDir).toBe(join(dest, '.cloud', 'charts', 'foo'));
    expect(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')).toBe('name: foo');
    expect(await listFiles(dest)).toEqual([
      '.cloud',
      '.cloud/charts',
      '.cloud/charts/foo',
      '.cloud/charts/foo/Chart.yaml',
      '.cloud/charts/foo/templates',
      '.cloud/charts/foo/templates/a.yaml',
    ]);
  });

  it('refuses links, which could point out of the folder, and names each', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/chart/values.yaml`, type: 'SymbolicLink', linkpath: '/etc/passwd' },
      { path: `${top}/chart/hard`, type: 'Link', linkpath: `${top}/chart/Chart.yaml` },
    ]);
    await expect(extractChart({ archive, chartPath: 'chart', dest })).rejects.toThrow(
      `the chart folder holds links, which previews do not follow: \`values.yaml\` → \`/etc/passwd\`, \`hard\` → \`${top}/chart/Chart.yaml\``,
    );
  });

  it('refuses a chart path that goes through a link', async () => {
    const archive = tarball([
      { path: `${top}/.cloud`, type: 'SymbolicLink', linkpath: '/' },
      { path: `${top}/.cloud/charts/foo/Chart.yaml`, body: 'name: foo' },
    ]);
    await expect(extractChart({ archive, chartPath: '.cloud/charts/foo', dest })).rejects.toThrow(
      'chart path `.cloud/charts/foo` goes through a link (`.cloud`)',
    );
  });

  it('refuses entries with .. and never writes outside dest', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/chart/../../../escaped.txt`, body: 'x' },
    ]);
    await expect(extractChart({ archive, chartPath: 'chart', dest })).rejects.toThrow(
      'the archive has entries that climb out of the chart folder: `../../../escaped.txt`',
    );
    await expect(readFile(join(dest, '..', 'escaped.txt'))).rejects.toThrow();
  });

  it('says which folder is missing', async () => {
    const archive = tarball([{ path: `${top}/README.md`, body: 'hi' }]);
    await expect(extractChart({ archive, chartPath: '.cloud/charts/foo', dest })).rejects.toThrow(
      'chart folder `.cloud/charts/foo` does not exist in the commit',
    );
  });

  it('says the config comes from the default branch when the commit has one and no chart', async () => {
    const archive = tarball([
      { path: `${top}/.github/preview.yml`, body: 'app: web\nchart: deploy/web\n' },
      { path: `${top}/deploy/web/Chart.yaml`, body: 'name: web' },
    ]);
    await expect(extractChart({ archive, chartPath: '.cloud/charts/foo', dest })).rejects.toThrow(
      'chart folder `.cloud/charts/foo` does not exist in the commit; note that `.github/preview.yml` is read from the default branch, not from the pull request: the one this commit has takes effect once it is merged',
    );
  });

  it('refuses chart paths outside the repository', async () => {
    const archive = tarball([]);
    for (const chartPath of ['../x', '/etc', '.', 'a/../../b']) {
      await expect(extractChart({ archive, chartPath, dest })).rejects.toThrow(
        'must be a folder inside the repository',
      );
    }
  });

  it('stops at the file count limit', async () => {
    const entries = Array.from({ length: archiveLimits.maxFiles + 1 }, (_, i) => ({
      path: `${top}/chart/f${i}.yaml`,
      body: 'a: 1',
    }));
    await expect(
      extractChart({ archive: tarball(entries), chartPath: 'chart', dest }),
    ).rejects.toThrow(`the chart folder is too large: more than ${archiveLimits.maxFiles} files`);
  });

  it('stops at the size limit, counting what the archive unpacks to', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      {
        path: `${top}/chart/big`,
        body: repeated(randomBytes(16 * 1024), archiveLimits.maxBytes + 1),
      },
    ]);
    expect(archive.length).toBeLessThan(archiveLimits.maxBytes / 20);
    await expect(extractChart({ archive, chartPath: 'chart', dest })).rejects.toThrow(
      'the chart folder is too large: more than 50 MiB',
    );
  });

  it('refuses an archive that unpacks to over 1000 times its size', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/chart/zeros`, body: Buffer.alloc(100 * 1024 * 1024) },
    ]);
    await expect(extractChart({ archive, chartPath: 'chart', dest })).rejects.toThrow(
      'the commit archive unpacks to over 1000 times its size; previews refuse compression bombs',
    );
    // Files tar opened before it gave up may still be closing; the folder goes all the same.
    await removeExtracted(dest);
    await expect(readdir(dest)).rejects.toThrow('ENOENT');
  });

  it('says so when the archive is not a gzip tarball', async () => {
    await expect(
      extractChart({
        archive: Buffer.from('<html>not a tarball</html>'),
        chartPath: 'chart',
        dest,
      }),
    ).rejects.toThrow(
      'the commit archive cannot be read: TAR_BAD_ARCHIVE: Unrecognized archive format',
    );
  });
});

function repeated(block: Buffer, length: number): Buffer {
  return Buffer.concat(Array(Math.ceil(length / block.length)).fill(block)).subarray(0, length);
}
