import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { AppProcess } from '../test/e2e/support/app-process.ts';
import { pullRequestPayload } from '../test/fixtures/webhook-payloads.ts';
import {
  figures,
  fixtureChart,
  github,
  pullRequest,
  readyRows,
  sleep,
  tenants,
  waitIdle,
} from './bench-world.ts';

/**
 * Peak RSS while deploying the same chart from a small repository and from
 * one that holds 200 MiB of other files: the archive is streamed to disk and
 * only the chart folder is unpacked, so the two should differ little.
 */
export async function archiveMemory(app: AppProcess) {
  const pid = app.pid;
  if (pid === undefined) return;
  const peaks: Record<string, number> = {};
  const cases: { name: string; number: number; files: Record<string, Buffer> }[] = [
    { name: 'small', number: 950, files: {} },
    { name: '200 MiB', number: 951, files: { 'assets/blob.bin': randomBytes(200 * 2 ** 20) } },
  ];
  for (const { name, number, files } of cases) {
    const pr = pullRequest(0, number);
    const commit = `${number}`.padEnd(40, 'a');
    github.setCommit(pr.owner, pr.repo, commit, {
      folders: { [`.cloud/charts/${pr.repo}`]: fixtureChart },
      files,
    });
    github.setPullRequest(pr.owner, pr.repo, number, {
      headSha: commit,
      state: 'open',
      labels: ['cd/preview'],
    });
    await waitIdle(app);
    // Linux resets a process's peak RSS (VmHWM) when "5" is written to its clear_refs.
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    const status = await app.deliver(
      'pull_request',
      pullRequestPayload('labeled', {
        ...pr,
        sha: commit,
        labels: ['cd/preview'],
        label: 'cd/preview',
      }),
    );
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    while (readyRows(pr) < tenants.length) await sleep(50);
    await waitIdle(app);
    peaks[name] = await peakRss(pid);
    figures.add(`deploy_peak_rss{${name}}`, peaks[name] as number, 'MiB', 'four tenants');
  }
  figures.add(
    'deploy_peak_rss_difference',
    (peaks['200 MiB'] ?? 0) - (peaks.small ?? 0),
    'MiB',
    'a 200 MiB repository against a small one, same chart',
  );
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) / 1024;
}
