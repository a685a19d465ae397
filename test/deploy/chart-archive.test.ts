import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveLimits, extractChart } from '../../src/deploy/chart-archive.ts';

interface Entry {
  path: string;
  body?: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  linkpath?: string;
}

/** A gzip tarball written byte by byte, so that hostile entries can be made. */
function tarball(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: entry.type === undefined || entry.type === 'File' ? body.length : 0,
      type: entry.type ?? 'File',
      linkpath: entry.linkpath,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (header.size) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

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

  it('skips links, which could point out of the folder', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/chart/values.yaml`, type: 'SymbolicLink', linkpath: '/etc/passwd' },
      { path: `${top}/chart/hard`, type: 'Link', linkpath: `${top}/chart/Chart.yaml` },
    ]);
    const chartDir = await extractChart({ archive, chartPath: 'chart', dest });
    expect(await listFiles(chartDir)).toEqual(['Chart.yaml']);
  });

  it('never writes outside dest for entries with ..', async () => {
    const archive = tarball([
      { path: `${top}/chart/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/chart/../../../escaped.txt`, body: 'x' },
    ]);
    await extractChart({ archive, chartPath: 'chart', dest });
    expect(await listFiles(dest)).toEqual(['chart', 'chart/Chart.yaml']);
    await expect(readFile(join(dest, '..', 'escaped.txt'))).rejects.toThrow();
  });

  it('says which folder is missing', async () => {
    const archive = tarball([{ path: `${top}/README.md`, body: 'hi' }]);
    await expect(extractChart({ archive, chartPath: '.cloud/charts/foo', dest })).rejects.toThrow(
      'chart folder `.cloud/charts/foo` does not exist in the commit',
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
});
