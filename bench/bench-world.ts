/**
 * What the benchmark's measurements share: the fixture they deploy, the
 * fake GitHub and the Kubernetes call counter every app talks through, the
 * figures they add to, and the helpers that drive an app and read its state.
 */
import type { NetworkingV1Api } from '@kubernetes/client-node';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AppProcess } from '../test/e2e/support/app-process.ts';
import { FakeGitHub } from '../test/e2e/support/fake-github.ts';
import { pullRequestPayload } from '../test/fixtures/webhook-payloads.ts';
import { countBy, difference, Figures } from './figures.ts';
import { githubPurposeOf } from './github-call-purpose.ts';
import { KubeCallCounter } from './kube-call-counter.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const fixtureChart = join(repoRoot, 'test', 'fixtures', 'charts', 'foo');
export const tenants = ['fr', 'be', 'hr', 'hu'];
export const sha = '1111111000000000000000000000000000000000';
/** The image the app's default `imageTagKey` gives the fixture chart's pods at `sha`. */
export const image = `registry.example.com/foo:${sha}`;
export const burstPullRequests = Number(process.env.BENCH_PULL_REQUESTS ?? 100);
export const reconcilePreviews = Number(process.env.BENCH_RECONCILE_PREVIEWS ?? 500);
export const repositories = 10;

/** The whole run's bound (BENCH_TIMEOUT_MINUTES): a wait that never ends stops the run, which then cleans up. */
const timeoutMinutes = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 40);
const runDeadline = Date.now() + timeoutMinutes * 60_000;

/** Every wait of the benchmark goes through here, so that no loop outlives the run's bound. */
export async function sleep(ms: number): Promise<void> {
  if (Date.now() > runDeadline) {
    throw new Error(`the benchmark ran past its ${timeoutMinutes} minutes: a wait never ended`);
  }
  await wait(ms);
}

export interface PullRequest {
  owner: string;
  repo: string;
  repositoryId: number;
  number: number;
}

export const figures = new Figures();
export const github = new FakeGitHub();
export const counter = new KubeCallCounter();
export const apps: AppProcess[] = [];

export async function startApp(helm: string, kubeconfig: string, env: Record<string, string>) {
  const app = new AppProcess();
  apps.push(app);
  await app.start({ githubHost: github.host, kubeconfig, helm, env });
  return app;
}

/** GitHub and Kubernetes calls since the marks, by purpose, per run. */
export function addCallsPerRun(
  event: string,
  since: { githubBefore: number; kubeBefore: Map<string, number>; runs: number },
) {
  const calls = github.calls.slice(since.githubBefore);
  for (const [purpose, count] of countBy(calls.map((c) => githubPurposeOf(c.method, c.path)))) {
    figures.add(`${event}_github_calls{${purpose}}`, count / since.runs, 'calls');
  }
  for (const [purpose, count] of difference(counter.snapshot(), since.kubeBefore)) {
    figures.add(`${event}_kubernetes_calls{${purpose}}`, count / since.runs, 'calls');
  }
}

/**
 * Waits until the app has no job queued or running and nothing left in its
 * GitHub outbox, so one phase's writes are neither counted nor waited for in
 * the next.
 */
export async function waitIdle(app: AppProcess): Promise<void> {
  await waitJobs(app);
  while ((await metric(app, 'pr_preview_github_outbox_depth')) > 0) await sleep(100);
}

export async function waitJobs(app: AppProcess): Promise<void> {
  while ((await metric(app, 'pr_preview_queue_depth')) > 0) await sleep(100);
}

/** The hosts of a pull request's four tenants, as the app's default host template makes them. */
export function hostsOf(pr: { repo: string; number: number }): string[] {
  return tenants.map((t) => `${pr.repo}-${pr.number}-${t}.preview.bar.com`);
}

export function pullRequest(repository: number, number: number): PullRequest {
  return { owner: 'bench', repo: `app-${repository}`, repositoryId: 5000 + repository, number };
}

export function prepare(pr: PullRequest, action: string) {
  github.setPullRequest(pr.owner, pr.repo, pr.number, {
    headSha: sha,
    state: action === 'closed' ? 'closed' : 'open',
    labels: ['cd/preview'],
  });
}

export function payload(action: string, pr: PullRequest) {
  return pullRequestPayload(action, { ...pr, sha, labels: ['cd/preview'], label: 'cd/preview' });
}

export async function send(app: AppProcess, action: string, pr: PullRequest) {
  prepare(pr, action);
  const status = await app.deliver('pull_request', payload(action, pr));
  if (status !== 200) throw new Error(`webhook answered ${status}`);
}

export function commentBody(pr: PullRequest): string | undefined {
  return github
    .commentsOn(pr.owner, pr.repo, pr.number)
    .find((c) => c.body.startsWith('<!-- pr-preview:sticky -->'))?.body;
}

export function readyRows(pr: PullRequest): number {
  const body = commentBody(pr) ?? '';
  if (body.includes('❌ failed')) throw new Error(`a preview failed:\n${body}`);
  return rowsWith(pr, '✅ ready');
}

export function rowsWith(pr: PullRequest, status: string): number {
  return (commentBody(pr) ?? '').split('\n').filter((line) => line.includes(status)).length;
}

export const settled = (pr: PullRequest) => rowsWith(pr, '✅ ready') + rowsWith(pr, '❌ failed');

export async function allApplied(networking: NetworkingV1Api, pr: PullRequest): Promise<boolean> {
  const list = await networking.listIngressForAllNamespaces({
    labelSelector: `pr-preview.dev/repository-id=${pr.repositoryId},pr-preview.dev/pull-request=${pr.number}`,
  });
  return list.items.length === tenants.length;
}

export async function metric(app: AppProcess, name: string): Promise<number> {
  const [value] = await metrics(app, [name]);
  return value as number;
}

/** Several of the app's metrics from one scrape (a scrape costs the app CPU the bench measures). */
export async function metrics(app: AppProcess, names: string[]): Promise<number[]> {
  const lines = (await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text()).split('\n');
  return names.map((name) => {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return Number(line?.split(' ').at(-1) ?? Number.NaN);
  });
}

export function machine(): string {
  const cpu = cpus();
  return `${osType()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}
