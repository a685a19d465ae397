/**
 * One preview's latencies, one pull request at a time: from label to ready,
 * from a visitor's request to a woken preview, and from close to destroyed.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { setExternalNameTargets } from '../test/cluster/bed.ts';
import { type AppProcess, freePort } from '../test/e2e/support/app-process.ts';
import {
  addCallsPerRun,
  commentBody,
  counter,
  figures,
  fixtureChart,
  github,
  hostsOf,
  image,
  pullRequest,
  readyRows,
  rowsWith,
  send,
  sha,
  sleep,
  startApp,
  tenants,
  waitIdle,
} from './bench-world.ts';
import { percentile } from './figures.ts';
import { untilServed, wakeThrough } from './through-ingress.ts';
import { untilSize, watchProgress } from './watched.ts';

/** Pull requests labelled one at a time: the first, on an app just started, then these. */
const warmLabelRuns = 5;

/**
 * One pull request at a time: label to objects applied, to the comment
 * saying ready, and to every tenant's host answered 200 by its pods through
 * HAProxy. A running app is warm, as for the burst: the first deploy after
 * start (the API server's discovery, the JIT) is reported on its own, and
 * the percentiles are of the deploys after it.
 */
export async function labelToReady(app: AppProcess, kc: KubeConfig, ingress?: URL) {
  const applied: number[] = [];
  const ready: number[] = [];
  const served: number[] = [];
  const githubBefore = github.calls.length;
  const kubeBefore = counter.snapshot();
  const runs = 1 + warmLabelRuns;
  for (let i = 1; i <= runs; i++) {
    const pr = pullRequest(0, i);
    await waitIdle(app);
    const progress = watchProgress(kc, new Set([`${pr.repositoryId}#${pr.number}`]));
    const started = performance.now();
    await send(app, 'labeled', pr);
    const servedAt = ingress ? untilServed(ingress, hostsOf(pr), image) : undefined;
    // Awaited below; handled now, so that a run stopped by its bound meanwhile still cleans up.
    servedAt?.catch(() => undefined);
    progress.catch(() => undefined);
    while (readyRows(pr) < tenants.length) await sleep(20);
    const readyAt = performance.now();
    const { appliedAt } = await progress;
    applied.push((appliedAt - started) / 1000);
    ready.push((readyAt - started) / 1000);
    if (servedAt) served.push(((await servedAt) - started) / 1000);
  }
  await waitIdle(app);
  const [coldServed] = served.splice(0, 1);
  const [coldReady] = ready.splice(0, 1);
  applied.splice(0, 1);
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
  figures.add(
    'label_to_ready_cold',
    coldReady ?? Number.NaN,
    's',
    'the first deploy after the app started, not in the percentiles',
  );
  if (coldServed !== undefined) figures.add('label_to_first_200_cold', coldServed, 's');
  addCallsPerRun('deploy', { githubBefore, kubeBefore, runs });
}

/**
 * A four-tenant preview that sleeps after 2 s idle, woken by one request per
 * host (through the bed's HAProxy, which follows the sleeping Ingress to the
 * app's wake port, when pods answer; else at the wake port): from the
 * requests until every tenant's workloads are ready and its routes are back,
 * until each host is answered 200 by its pods again, and until the comment
 * says ready. The first wake is reported on its own, as the first label is.
 */
export async function wakeToReady(
  helm: string,
  kubeconfig: string,
  env: Record<string, string>,
  kc: KubeConfig,
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
  const namespaces = {
    path: '/api/v1/namespaces',
    labelSelector: `pr-preview.dev/repository-id=${pr.repositoryId}`,
  };
  const asleep = (ns: KubernetesObject) =>
    Boolean(ns.metadata?.annotations?.['pr-preview.dev/sleeping-since']);
  const toReady: number[] = [];
  const toServed: number[] = [];
  const toComment: number[] = [];
  let started = -Infinity;
  // As for labels: the first wake after the app started is reported on its own.
  for (let run = 0; run < 4; run++) {
    await untilSize(kc, namespaces, asleep, { size: tenants.length });
    while (rowsWith(pr, '😴 sleeping') < tenants.length) await sleep(100);
    // The endpoint wakes a host at most every 10 s: a visitor's page asks again, a run waits.
    await sleep(Math.max(0, started + 10_500 - performance.now()));
    const hosts = hostsOf(pr);
    // Opened before the wake: its first events show every tenant asleep.
    const routed = untilSize(kc, namespaces, asleep, { size: 0, atMost: true });
    routed.catch(() => undefined);
    if (ingress) {
      started = Math.min(...(await Promise.all(hosts.map((host) => wakeThrough(ingress, host)))));
    } else {
      started = performance.now();
      await Promise.all(hosts.map((host) => wakeRequest(wakePort, host)));
    }
    const servedAt = ingress ? untilServed(ingress, hosts, image) : undefined;
    // Awaited below; handled now, so that a run stopped by its bound meanwhile still cleans up.
    servedAt?.catch(() => undefined);
    while (readyRows(pr) < tenants.length) await sleep(20);
    const commentAt = performance.now();
    const routedAt = await routed;
    toReady.push((routedAt - started) / 1000);
    toComment.push((commentAt - started) / 1000);
    if (servedAt) toServed.push(((await servedAt) - started) / 1000);
  }
  setExternalNameTargets({});
  const [coldServed] = toServed.splice(0, 1);
  toReady.splice(0, 1);
  toComment.splice(0, 1);
  figures.add('wake_to_ready_p50', percentile(toReady, 50), 's', 'four tenants, routes back');
  if (toServed.length > 0)
    figures.add(
      'wake_to_first_200_p50',
      percentile(toServed, 50),
      's',
      "four tenants, until each host is answered by its pods through the bed's HAProxy",
    );
  figures.add('wake_to_comment_ready_p50', percentile(toComment, 50), 's', 'four tenants');
  if (coldServed !== undefined)
    figures.add(
      'wake_to_first_200_cold',
      coldServed,
      's',
      'the first wake after the app started, not in the percentiles',
    );
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

export async function destroyCost(app: AppProcess) {
  const githubBefore = github.calls.length;
  const kubeBefore = counter.snapshot();
  // Every pull request `labelToReady` labelled.
  const runs = 1 + warmLabelRuns;
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
