/**
 * `npm run bench`: what users feel, measured against the real control plane
 * and the app as operators run it (`npm start`), with GitHub faked on
 * loopback. Prints `name value unit` lines and appends them to
 * bench/RESULTS.md with the machine they came from. Nothing here fails.
 */
import {
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem, type as osType, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { down, setExternalNameTargets, up } from '../test/cluster/bed.ts';
import { sign } from '@octokit/webhooks-methods';
import { AppProcess, freePort, webhookSecret } from '../test/e2e/support/app-process.ts';
import { FakeGitHub } from '../test/e2e/support/fake-github.ts';
import { issueCommentPayload, pullRequestPayload } from '../test/fixtures/webhook-payloads.ts';
import { countBy, difference, Figures, percentile } from './figures.ts';
import { githubPurposeOf } from './github-call-purpose.ts';
import { KubeCallCounter } from './kube-call-counter.ts';
import { untilServed, wakeThrough } from './through-ingress.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtureChart = join(repoRoot, 'test', 'fixtures', 'charts', 'foo');
const tenants = ['fr', 'be', 'hr', 'hu'];
const sha = '1111111000000000000000000000000000000000';
/** The image the app's default `imageTagKey` gives the fixture chart's pods at `sha`. */
const image = `registry.example.com/foo:${sha}`;
const burstPullRequests = Number(process.env.BENCH_PULL_REQUESTS ?? 100);
const reconcilePreviews = Number(process.env.BENCH_RECONCILE_PREVIEWS ?? 500);
const repositories = 10;
export const imageNodeOptions = '--max-semi-space-size=2';

interface PullRequest {
  owner: string;
  repo: string;
  repositoryId: number;
  number: number;
}

const figures = new Figures();
const github = new FakeGitHub();
const counter = new KubeCallCounter();
const apps: AppProcess[] = [];

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the app does not build');
  const bed = await up();
  const work = await mkdtemp(join(tmpdir(), 'pr-preview-bench-'));
  const kc = new KubeConfig();
  kc.loadFromFile(bed.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  // First 200s are read through the bed's HAProxy, from pods that answer.
  const ingress = 'namespace' in bed.podNetwork ? new URL(bed.ingressUrl) : undefined;
  if ('problem' in bed.podNetwork) console.log(`no first-200 figures: ${bed.podNetwork.problem}`);
  try {
    await github.start();
    const proxied = join(work, 'kubeconfig');
    await counter.start(bed.kubeconfig, proxied);
    for (let r = 0; r < repositories; r++) {
      github.addRepository('bench', `app-${r}`, 5000 + r);
      github.setConfig('bench', `app-${r}`, `app: app-${r}\ntenants: [${tenants.join(', ')}]\n`);
      github.setCommit('bench', `app-${r}`, sha, {
        folders: { [`.cloud/charts/app-${r}`]: fixtureChart },
      });
    }
    const env = {
      // As the image runs it (Dockerfile).
      NODE_OPTIONS: imageNodeOptions,
      LOG_LEVEL: 'info',
      PREVIEW_RECONCILE_INTERVAL: '0',
      PREVIEW_MAX_PER_REPOSITORY: '1000',
      PREVIEW_MAX_TOTAL: '1000',
      // The app's default unless a run asks for another, to compare.
      ...(process.env.BENCH_CONCURRENCY
        ? { PREVIEW_CONCURRENCY: process.env.BENCH_CONCURRENCY }
        : {}),
    };
    const app = await startApp(bed.helm, proxied, env);

    await sleep(3_000);
    figures.add(
      'rss_idle',
      (await metric(app, 'pr_preview_process_resident_memory_bytes')) / 2 ** 20,
      'MiB',
    );

    await labelToReady(app, networking, ingress);
    await wakeToReady(bed.helm, proxied, env, core, ingress);
    await destroyCost(app);
    await archiveMemory(app);
    await helmReference(bed.helm, bed.kubeconfig, core, networking, ingress);
    // The burst counts no Kubernetes calls: its app talks to the API server
    // directly, so that the counting proxy (in this process) takes none of the
    // machine's two cores from the cluster.
    await app.stop();
    const direct = await startApp(bed.helm, bed.kubeconfig, env);
    await burst(direct, kc);
    figures.add(
      'rss_after_burst',
      (await metric(direct, 'pr_preview_process_resident_memory_bytes')) / 2 ** 20,
      'MiB',
    );
    // Its GitHub Deployments may still be queued: they would be counted in the pass.
    await direct.stop();
    await reconcilePass(bed.helm, proxied, env);
    await writesPerPreview(bed.helm, proxied, env);
  } finally {
    for (const app of apps) await app.stop();
    await counter.stop();
    await github.stop();
    const left = await core.listNamespace({
      labelSelector: 'app.kubernetes.io/managed-by=pr-preview',
    });
    for (const ns of left.items) {
      await core.deleteNamespace({ name: ns.metadata?.name ?? '' }).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
    if (bed.started) await down();
  }
  figures.print();
  await appendFile(join(repoRoot, 'bench', 'RESULTS.md'), figures.markdown(machine()));
}

async function startApp(helm: string, kubeconfig: string, env: Record<string, string>) {
  const app = new AppProcess();
  apps.push(app);
  await app.start({ githubHost: github.host, kubeconfig, helm, env });
  return app;
}

/**
 * One pull request at a time: label to objects applied, to the comment
 * saying ready, and to every tenant's host answered 200 by its pods through HAProxy.
 */
async function labelToReady(app: AppProcess, networking: NetworkingV1Api, ingress?: URL) {
  const applied: number[] = [];
  const ready: number[] = [];
  const served: number[] = [];
  const githubBefore = github.calls.length;
  const kubeBefore = counter.snapshot();
  const runs = 5;
  for (let i = 1; i <= runs; i++) {
    const pr = pullRequest(0, i);
    await waitIdle(app);
    const started = performance.now();
    await send(app, 'labeled', pr);
    const servedAt = ingress ? untilServed(ingress, hostsOf(pr), image) : undefined;
    let appliedAt: number | undefined;
    while (true) {
      if (appliedAt === undefined && (await allApplied(networking, pr)))
        appliedAt = performance.now();
      if (readyRows(pr) === tenants.length) break;
      await sleep(20);
    }
    const readyAt = performance.now();
    applied.push(((appliedAt ?? readyAt) - started) / 1000);
    ready.push((readyAt - started) / 1000);
    if (servedAt) served.push(((await servedAt) - started) / 1000);
  }
  await waitIdle(app);
  figures.add(
    'label_to_applied_p50',
    percentile(applied, 50),
    's',
    'four tenants, rollout wait excluded',
  );
  figures.add(
    'label_to_ready_p50',
    percentile(ready, 50),
    's',
    'four tenants, rollout wait and comment included',
  );
  figures.add('label_to_ready_max', Math.max(...ready), 's');
  if (served.length > 0)
    figures.add(
      'label_to_first_200_p50',
      percentile(served, 50),
      's',
      "four tenants, until each host is answered by its pods through the bed's HAProxy",
    );
  addCallsPerRun('deploy', { githubBefore, kubeBefore, runs });
}

/**
 * A four-tenant preview that sleeps after 2 s idle, woken by one request per
 * host (through the bed's HAProxy, which follows the sleeping Ingress to the
 * app's wake port, when pods answer; else at the wake port): from the
 * requests until every tenant's workloads are ready and its routes are back,
 * until each host is answered 200 by its pods again, and until the comment
 * says ready.
 */
async function wakeToReady(
  helm: string,
  kubeconfig: string,
  env: Record<string, string>,
  core: CoreV1Api,
  ingress?: URL,
) {
  const pr = { owner: 'bench', repo: 'sleepy', repositoryId: 5100, number: 1 };
  github.addRepository(pr.owner, pr.repo, pr.repositoryId);
  github.setConfig(
    pr.owner,
    pr.repo,
    `app: sleepy\ntenants: [${tenants.join(', ')}]\nsleepAfter: 2s\n`,
  );
  github.setCommit(pr.owner, pr.repo, sha, { folders: { '.cloud/charts/sleepy': fixtureChart } });
  const wakePort = await freePort();
  const wakeService = 'pr-preview.pr-preview.svc.cluster.local:8080';
  // The bed resolves the wake Service's name as the cluster's DNS would: to the app.
  setExternalNameTargets({ [wakeService]: `127.0.0.1:${wakePort}` });
  const replica = await startApp(helm, kubeconfig, {
    ...env,
    PREVIEW_RECONCILE_INTERVAL: '1s',
    PREVIEW_WAKE_SERVICE: wakeService,
    PREVIEW_WAKE_PORT: String(wakePort),
  });
  await send(replica, 'labeled', pr);
  while (readyRows(pr) < tenants.length) await sleep(50);
  const selector = `pr-preview.dev/repository-id=${pr.repositoryId}`;
  const sleeping = async () =>
    (await core.listNamespace({ labelSelector: selector })).items.filter(
      (ns) => ns.metadata?.annotations?.['pr-preview.dev/sleeping-since'],
    ).length;
  const toReady: number[] = [];
  const toServed: number[] = [];
  const toComment: number[] = [];
  let started = -Infinity;
  for (let run = 0; run < 3; run++) {
    while ((await sleeping()) < tenants.length || rowsWith(pr, '😴 sleeping') < tenants.length)
      await sleep(100);
    // The endpoint wakes a host at most every 10 s: a visitor's page asks again, a run waits.
    await sleep(Math.max(0, started + 10_500 - performance.now()));
    const hosts = hostsOf(pr);
    if (ingress) {
      started = Math.min(...(await Promise.all(hosts.map((host) => wakeThrough(ingress, host)))));
    } else {
      started = performance.now();
      await Promise.all(hosts.map((host) => wakeRequest(wakePort, host)));
    }
    const servedAt = ingress ? untilServed(ingress, hosts, image) : undefined;
    let routedAt: number | undefined;
    while (readyRows(pr) < tenants.length || routedAt === undefined) {
      if (routedAt === undefined && (await sleeping()) === 0) routedAt = performance.now();
      await sleep(20);
    }
    toReady.push(((routedAt ?? performance.now()) - started) / 1000);
    toComment.push((performance.now() - started) / 1000);
    if (servedAt) toServed.push(((await servedAt) - started) / 1000);
  }
  setExternalNameTargets({});
  figures.add('wake_to_ready_p50', percentile(toReady, 50), 's', 'four tenants, routes back');
  if (toServed.length > 0)
    figures.add(
      'wake_to_first_200_p50',
      percentile(toServed, 50),
      's',
      "four tenants, until each host is answered by its pods through the bed's HAProxy",
    );
  figures.add('wake_to_comment_ready_p50', percentile(toComment, 50), 's', 'four tenants');
  await send(replica, 'closed', pr);
  while (rowsWith(pr, '🗑️ destroyed') < tenants.length) await sleep(100);
  await replica.stop();
}

/** A visitor's request as the ingress controller passes it on: the wake port, the preview's Host. */
function wakeRequest(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function destroyCost(app: AppProcess) {
  const githubBefore = github.calls.length;
  const kubeBefore = counter.snapshot();
  const runs = 5;
  const started = performance.now();
  for (let i = 1; i <= runs; i++) {
    const pr = pullRequest(0, i);
    await send(app, 'closed', pr);
    while (!(commentBody(pr) ?? '').includes('🗑️ destroyed')) await sleep(20);
  }
  await waitIdle(app);
  figures.add(
    'close_to_destroyed_mean',
    (performance.now() - started) / 1000 / runs,
    's',
    'four tenants',
  );
  addCallsPerRun('destroy', { githubBefore, kubeBefore, runs });
}

/**
 * Peak RSS while deploying the same chart from a small repository and from
 * one that holds 200 MiB of other files: the archive is streamed to disk and
 * only the chart folder is unpacked, so the two should differ little.
 */
async function archiveMemory(app: AppProcess) {
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

/** GitHub and Kubernetes calls since the marks, by purpose, per run. */
function addCallsPerRun(
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
 * Many pull requests labelled at once, plus as many plain comments:
 * acknowledgement (before and while the deploys run), the time until the
 * cluster holds every preview applied and ready, and the time until every
 * sticky comment says so, which GitHub's write pacing sets.
 */
async function burst(app: AppProcess, kc: KubeConfig) {
  const prs = Array.from({ length: burstPullRequests }, (_, i) =>
    pullRequest(i % repositories, 100 + Math.floor(i / repositories)),
  );
  let peakQueue = 0;
  let peakOutbox = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakQueue = Math.max(peakQueue, await metric(app, 'pr_preview_queue_depth').catch(() => 0));
      peakOutbox = Math.max(
        peakOutbox,
        await metric(app, 'pr_preview_github_outbox_depth').catch(() => 0),
      );
      await sleep(200);
    }
  })();
  for (const pr of prs) prepare(pr, 'labeled');
  const comment = (pr: PullRequest, i: number) =>
    issueCommentPayload({ ...pr, body: 'Looks good to me', user: 'octocat', commentId: i });
  // A running app is warm: two rounds of plain comments first, not timed.
  for (let round = 0; round < 2; round++) {
    const warmUp = await signed(
      prs.flatMap((pr, i) => [
        ['issue_comment', comment(pr, 100_000 * round + i)] as const,
        ['issue_comment', comment(pr, 100_000 * round + 50_000 + i)] as const,
      ]),
    );
    await Promise.all(
      warmUp.map((d) => timed(() => app.deliverBody(d.event, d.body, d.signature))),
    );
  }
  // Bodies are signed beforehand: only the app's answer is timed.
  const deliveries = await signed([
    ...prs.map((pr) => ['pull_request', payload('labeled', pr)] as const),
    ...prs.map((pr, i) => ['issue_comment', comment(pr, 900_000 + i)] as const),
  ]);
  const duringDeploys = await signed(
    prs.flatMap((pr, i) => [
      ['issue_comment', comment(pr, 700_000 + i)] as const,
      ['issue_comment', comment(pr, 750_000 + i)] as const,
    ]),
  );
  const keys = new Set(prs.map((pr) => `${pr.repositoryId}#${pr.number}`));
  const progress = watchProgress(kc, keys);
  const githubBefore = github.calls.length;
  const started = performance.now();
  const latencies = await Promise.all(
    deliveries.map((d) => timed(() => app.deliverBody(d.event, d.body, d.signature))),
  );
  figures.add(
    'webhook_ack_p50',
    percentile(latencies, 50) * 1000,
    'ms',
    `burst of ${latencies.length} signed deliveries`,
  );
  figures.add('webhook_ack_p99', percentile(latencies, 99) * 1000, 'ms');
  figures.add('webhook_ack_max', Math.max(...latencies) * 1000, 'ms');
  // The same again while the deploys of the burst run, spread over a few seconds.
  await sleep(2_000);
  const during: number[] = [];
  for (let i = 0; i < duringDeploys.length; i += 20) {
    during.push(
      ...(await Promise.all(
        duringDeploys
          .slice(i, i + 20)
          .map((d) => timed(() => app.deliverBody(d.event, d.body, d.signature))),
      )),
    );
    await sleep(100);
  }
  figures.add(
    'webhook_ack_p99_during_deploys',
    percentile(during, 99) * 1000,
    'ms',
    `${during.length} deliveries in bursts of 20 while the jobs run`,
  );

  const { appliedAt, readyAt } = await progress;
  figures.add(
    'burst_all_applied',
    ((appliedAt ?? readyAt) - started) / 1000,
    's',
    `${prs.length} pull requests, ${prs.length * tenants.length} previews: every object in the cluster`,
  );
  figures.add(
    'burst_all_ready',
    (readyAt - started) / 1000,
    's',
    'every preview rolled out and recorded, as the cluster shows it',
  );
  while (prs.some((pr) => settled(pr) < tenants.length)) await sleep(250);
  const commentsAt = performance.now();
  const failed = prs.reduce((sum, pr) => sum + rowsWith(pr, '❌ failed'), 0);
  figures.add('burst_failed_previews', failed, 'previews');
  // Each comment's first write creates it, and Probot's throttling sends requests that notify
  // (new comments) 3 s apart: that bounds it, even when a comment's first write already says ready.
  const floor = 3 * prs.length;
  figures.add(
    'burst_comments_final',
    (commentsAt - started) / 1000,
    's',
    `every sticky comment ready; GitHub's pacing sets a floor of ${floor} s (${((commentsAt - started) / 1000 / floor).toFixed(2)} × the floor)`,
  );
  const writes = github.writesSince(githubBefore);
  figures.add(
    'burst_github_writes_until_comments_final',
    writes.length,
    'writes',
    `the rest (GitHub Deployments) still queued: ${await metric(app, 'pr_preview_github_outbox_depth')} writes`,
  );
  sampling = false;
  await sampler;
  figures.add('burst_peak_queue_depth', peakQueue, 'jobs');
  figures.add('burst_peak_outbox_depth', peakOutbox, 'writes');
  const extra = Math.max(0, reconcilePreviews / tenants.length - prs.length);
  const more = Array.from({ length: extra }, (_, i) =>
    pullRequest(i % repositories, 1000 + Math.floor(i / repositories)),
  );
  for (const pr of more) await send(app, 'labeled', pr);
  while (more.some((pr) => settled(pr) < tenants.length)) await sleep(250);
  // Not the outbox: its GitHub Deployments wait for the hour's budget.
  await waitJobs(app);
}

/**
 * When the cluster holds every preview of the given pull requests applied
 * (its Ingress exists) and ready (its namespace records the commit, with no
 * deploy under way). Watched, not polled: listing hundreds of namespaces
 * every half second would load the API server the burst measures.
 */
function watchProgress(
  kc: KubeConfig,
  keys: Set<string>,
): Promise<{ appliedAt: number; readyAt: number }> {
  const expected = keys.size * tenants.length;
  const mine = (labels: Record<string, string> | undefined) =>
    keys.has(
      `${labels?.['pr-preview.dev/repository-id']}#${labels?.['pr-preview.dev/pull-request']}`,
    );
  const applied = new Set<string>();
  const ready = new Set<string>();
  let appliedAt: number | undefined;
  const watch = new Watch(kc);
  const requests: { abort(): void }[] = [];
  const done = new Promise<{ appliedAt: number; readyAt: number }>((resolve, reject) => {
    const onEvent =
      (set: Set<string>, isDone: (object: KubernetesObject) => boolean) =>
      (type: string, object: KubernetesObject) => {
        if (!mine(object.metadata?.labels)) return;
        const name = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
        if (type !== 'DELETED' && isDone(object)) set.add(name);
        else set.delete(name);
        if (appliedAt === undefined && applied.size === expected) appliedAt = performance.now();
        if (ready.size === expected) {
          for (const request of requests) request.abort();
          const readyAt = performance.now();
          resolve({ appliedAt: appliedAt ?? readyAt, readyAt });
        }
      };
    const ended = (error: unknown) => {
      if (error && ready.size < expected) reject(error as Error);
    };
    void Promise.all([
      watch.watch(
        '/apis/networking.k8s.io/v1/ingresses',
        { labelSelector: 'pr-preview.dev/pull-request' },
        onEvent(applied, () => true),
        ended,
      ),
      watch.watch(
        '/api/v1/namespaces',
        { labelSelector: 'app.kubernetes.io/managed-by=pr-preview' },
        onEvent(ready, (n) => {
          const annotations = n.metadata?.annotations ?? {};
          return (
            annotations['pr-preview.dev/sha'] === sha &&
            !annotations['pr-preview.dev/deploying-sha']
          );
        }),
        ended,
      ),
    ]).then((started) => requests.push(...started), reject);
  });
  return done;
}

/**
 * GitHub writes per preview once the outbox is empty, for a smaller burst
 * on a fresh app with GitHub Deployments on and off.
 */
async function writesPerPreview(helm: string, kubeconfig: string, env: Record<string, string>) {
  const count = 10;
  for (const deployments of ['on', 'off']) {
    const app = await startApp(helm, kubeconfig, {
      ...env,
      PREVIEW_GITHUB_DEPLOYMENTS: deployments,
    });
    const prs = Array.from({ length: count }, (_, i) =>
      pullRequest(i % repositories, deployments === 'on' ? 2000 + i : 3000 + i),
    );
    const githubBefore = github.calls.length;
    await Promise.all(prs.map((pr) => send(app, 'labeled', pr)));
    while (prs.some((pr) => settled(pr) < tenants.length)) await sleep(250);
    await waitIdle(app);
    const writes = github.writesSince(githubBefore);
    figures.add(
      `github_writes_per_preview{deployments=${deployments}}`,
      writes.length / (count * tenants.length),
      'writes',
      `${count} pull requests labelled at once, ${count * tenants.length} previews`,
    );
    for (const pr of prs) await send(app, 'closed', pr);
    while (prs.some((pr) => !(commentBody(pr) ?? '').includes('🗑️ destroyed'))) await sleep(250);
    await app.stop();
  }
}

/**
 * The same four-tenant deploy as a CI job would do it: `helm upgrade
 * --install --wait` once per tenant, one after another, on the same bed;
 * each run a fresh install, as a labelled pull request is. When pods answer,
 * each install then gets its route, an Ingress as the app makes it, and the
 * job waits until HAProxy answers from the pods: the reference for a first 200.
 */
async function helmReference(
  helm: string,
  kubeconfig: string,
  core: CoreV1Api,
  networking: NetworkingV1Api,
  ingress?: URL,
) {
  const runs: number[] = [];
  const served: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    let routeWaitMs = 0;
    for (const tenant of tenants) {
      const result = spawnSync(
        helm,
        [
          'upgrade',
          '--install',
          '--wait',
          '--timeout',
          '2m',
          '--create-namespace',
          '--namespace',
          `bench-helm-${run}-${tenant}`,
          '--kubeconfig',
          kubeconfig,
          '-f',
          join(fixtureChart, `values-${tenant}.yaml`),
          `reference-${tenant}`,
          fixtureChart,
        ],
        { encoding: 'utf8' },
      );
      if (result.status !== 0) throw new Error(`helm upgrade --install failed: ${result.stderr}`);
      if (ingress) {
        const routeStarted = performance.now();
        const namespace = `bench-helm-${run}-${tenant}`;
        const host = `reference-${run}-${tenant}.preview.bar.com`;
        await networking.createNamespacedIngress({
          namespace,
          body: {
            metadata: { name: 'reference' },
            spec: {
              ingressClassName: 'haproxy-v1',
              rules: [
                {
                  host,
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: {
                          service: { name: `reference-${tenant}-service`, port: { name: 'nginx' } },
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        });
        await untilServed(ingress, [host], 'registry.example.com/foo:latest');
        routeWaitMs += performance.now() - routeStarted;
      }
    }
    // Helm's own time; with each route's wait added, the first 200's reference.
    const totalMs = performance.now() - started;
    runs.push((totalMs - routeWaitMs) / 1000);
    if (ingress) served.push(totalMs / 1000);
  }
  for (let run = 0; run < 3; run++)
    for (const tenant of tenants)
      await core.deleteNamespace({ name: `bench-helm-${run}-${tenant}` }).catch(() => undefined);
  const reference = percentile(runs, 50);
  figures.add(
    'helm_upgrade_install_wait_four_tenants_p50',
    reference,
    's',
    'one `helm upgrade --install --wait` per tenant, in turn',
  );
  const ours = figures.value('label_to_ready_p50');
  if (ours !== undefined)
    figures.add(
      'label_to_ready_over_helm',
      ours / reference,
      '×',
      'pr-preview label to ready (comment included) over the helm reference',
    );
  const first200 = figures.value('label_to_first_200_p50');
  if (served.length > 0) {
    const servedReference = percentile(served, 50);
    figures.add(
      'helm_upgrade_install_wait_four_tenants_first_200_p50',
      servedReference,
      's',
      "the same, each tenant's route then waited for until HAProxy answers from its pods",
    );
    if (first200 !== undefined)
      figures.add(
        'label_to_first_200_over_helm',
        first200 / servedReference,
        '×',
        'pr-preview label to first 200 over the helm reference to first 200 (target ≤ 0.15)',
      );
  }
}

/** A second replica's first reconcile pass over previews that are all current. */
async function reconcilePass(helm: string, kubeconfig: string, env: Record<string, string>) {
  const githubBefore = github.calls.length;
  const replica = await startApp(helm, kubeconfig, { ...env, PREVIEW_RECONCILE_INTERVAL: '1h' });
  let done: Record<string, unknown> | undefined;
  while (!(done = replica.logLines().find((l) => l.msg === 'reconcile pass done')))
    await sleep(100);
  figures.add(
    'reconcile_pass',
    Number(done.durationMs) / 1000,
    's',
    `${String(done.previews)} previews, ${String(done.actions)} repairs`,
  );
  const calls = github.calls.slice(githubBefore).map((c) => githubPurposeOf(c.method, c.path));
  for (const [purpose, count] of countBy(calls)) {
    figures.add(
      `reconcile_github_calls{${purpose}}`,
      count,
      'calls',
      `${repositories} repositories`,
    );
  }
}

/**
 * Waits until the app has no job queued or running and nothing left in its
 * GitHub outbox, so one phase's writes are neither counted nor waited for in
 * the next.
 */
async function waitIdle(app: AppProcess): Promise<void> {
  await waitJobs(app);
  while ((await metric(app, 'pr_preview_github_outbox_depth')) > 0) await sleep(100);
}

async function waitJobs(app: AppProcess): Promise<void> {
  while ((await metric(app, 'pr_preview_queue_depth')) > 0) await sleep(100);
}

/** The hosts of a pull request's four tenants, as the app's default host template makes them. */
function hostsOf(pr: { repo: string; number: number }): string[] {
  return tenants.map((t) => `${pr.repo}-${pr.number}-${t}.preview.bar.com`);
}

function pullRequest(repository: number, number: number): PullRequest {
  return { owner: 'bench', repo: `app-${repository}`, repositoryId: 5000 + repository, number };
}

function prepare(pr: PullRequest, action: string) {
  github.setPullRequest(pr.owner, pr.repo, pr.number, {
    headSha: sha,
    state: action === 'closed' ? 'closed' : 'open',
    labels: ['cd/preview'],
  });
}

function payload(action: string, pr: PullRequest) {
  return pullRequestPayload(action, { ...pr, sha, labels: ['cd/preview'], label: 'cd/preview' });
}

async function send(app: AppProcess, action: string, pr: PullRequest) {
  prepare(pr, action);
  const status = await app.deliver('pull_request', payload(action, pr));
  if (status !== 200) throw new Error(`webhook answered ${status}`);
}

async function signed(deliveries: (readonly [string, unknown])[]) {
  return Promise.all(
    deliveries.map(async ([event, body]) => {
      const text = JSON.stringify(body);
      return { event, body: text, signature: await sign(webhookSecret, text) };
    }),
  );
}

async function timed(request: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const status = await request();
  if (status !== 200) throw new Error(`webhook answered ${status}`);
  return (performance.now() - started) / 1000;
}

function commentBody(pr: PullRequest): string | undefined {
  return github
    .commentsOn(pr.owner, pr.repo, pr.number)
    .find((c) => c.body.startsWith('<!-- pr-preview:sticky -->'))?.body;
}

function readyRows(pr: PullRequest): number {
  const body = commentBody(pr) ?? '';
  if (body.includes('❌ failed')) throw new Error(`a preview failed:\n${body}`);
  return rowsWith(pr, '✅ ready');
}

function rowsWith(pr: PullRequest, status: string): number {
  return (commentBody(pr) ?? '').split('\n').filter((line) => line.includes(status)).length;
}

const settled = (pr: PullRequest) => rowsWith(pr, '✅ ready') + rowsWith(pr, '❌ failed');

async function allApplied(networking: NetworkingV1Api, pr: PullRequest): Promise<boolean> {
  const list = await networking.listIngressForAllNamespaces({
    labelSelector: `pr-preview.dev/repository-id=${pr.repositoryId},pr-preview.dev/pull-request=${pr.number}`,
  });
  return list.items.length === tenants.length;
}

async function metric(app: AppProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

function machine(): string {
  const cpu = cpus();
  return `${osType()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

await main();
