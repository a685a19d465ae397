import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchChartInChild } from '../../src/deploy/chart-fetch.ts';
import { UserFacingError } from '../../src/errors.ts';
import { tarball } from '../support/tarball.ts';

const top = 'acme-foo-abc1234';
const archives = new Map<string, Buffer>();
const seen: { path: string; authorization?: string }[] = [];
let server: Server;
let base: string;
let workDir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (req.url === '/moved') {
      res.writeHead(302, { location: `${base}/good` }).end();
      return;
    }
    const archive = archives.get(req.url ?? '');
    if (!archive) res.writeHead(404).end('{"message":"Not Found"}');
    else res.writeHead(200, { 'content-type': 'application/x-gzip' }).end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
  archives.set(
    '/good',
    tarball([
      { path: `${top}/assets/blob.bin`, body: randomBytes(512 * 1024) },
      { path: `${top}/.cloud/charts/foo/Chart.yaml`, body: 'name: foo' },
    ]),
  );
  archives.set(
    '/linked',
    tarball([
      { path: `${top}/.cloud/charts/foo/Chart.yaml`, body: 'name: foo' },
      { path: `${top}/.cloud/charts/foo/passwd`, type: 'SymbolicLink', linkpath: '/etc/passwd' },
    ]),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'chart-fetch-'));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const fetchFrom = (path: string, maxBytes?: number) =>
  fetchChartInChild({
    location: { url: `${base}${path}`, headers: { authorization: 'token t0k3n' } },
    chartPath: '.cloud/charts/foo',
    workDir,
    sha: 'abcdef1234',
    ...(maxBytes ? { maxBytes } : {}),
  });

describe('fetchChartInChild', () => {
  it('downloads in a child process, keeps only the chart folder, and leaves no archive behind', async () => {
    const chartDir = await fetchFrom('/moved');
    expect(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')).toBe('name: foo');
    expect((await readdir(workDir, { recursive: true })).sort()).toEqual([
      'repository',
      'repository/.cloud',
      'repository/.cloud/charts',
      'repository/.cloud/charts/foo',
      'repository/.cloud/charts/foo/Chart.yaml',
    ]);
    // The request to GitHub carries the installation's token; its redirect is followed.
    expect(seen.filter((s) => s.path === '/moved')[0]?.authorization).toBe('token t0k3n');
    expect(seen.some((s) => s.path === '/good')).toBe(true);
  });

  it('refuses an archive past its cap, a commit GitHub does not have, and a chart with links, in words a person can act on', async () => {
    await expect(fetchFrom('/good', 100 * 1024)).rejects.toThrow(
      "the commit's archive is larger than 102400 bytes; previews download at most that",
    );
    await expect(fetchFrom('/missing')).rejects.toThrow(
      'commit abcdef1 cannot be downloaded (not found)',
    );
    const linked = fetchFrom('/linked');
    await expect(linked).rejects.toBeInstanceOf(UserFacingError);
    await expect(linked).rejects.toThrow(
      'the chart folder holds links, which previews do not follow',
    );
  });

  it('fetches through one child process at a time, and starts another when it dies', async () => {
    const children = () =>
      execFileSync('pgrep', ['-P', String(process.pid), '-f', 'chart-fetch-child'], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    const dirs = await Promise.all([1, 2, 3].map(() => mkdtemp(join(tmpdir(), 'chart-fetch-'))));
    const charts = await Promise.all(
      dirs.map((dir) =>
        fetchChartInChild({
          location: { url: `${base}/good`, headers: {} },
          chartPath: '.cloud/charts/foo',
          workDir: dir,
          sha: 'abcdef1234',
        }),
      ),
    );
    expect(charts).toEqual(dirs.map((dir) => join(dir, 'repository', '.cloud/charts/foo')));
    const [child] = children();
    expect(children()).toHaveLength(1);
    process.kill(Number(child), 'SIGKILL');
    await expect(fetchFrom('/good')).resolves.toContain('repository');
    expect(children()).toHaveLength(1);
    expect(children()).not.toContain(child);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
});
