/**
 * Many pull requests at once: how fast the app acknowledges webhooks and
 * brings every preview up, and how many GitHub writes each preview costs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { sign } from '@octokit/webhooks-methods';
import { type AppProcess, webhookSecret } from '../test/e2e/support/app-process.ts';
import { issueCommentPayload } from '../test/fixtures/webhook-payloads.ts';
import {
  burstPullRequests,
  commentBody,
  figures,
  github,
  metric,
  metrics,
  payload,
  prepare,
  pullRequest,
  type PullRequest,
  reconcilePreviews,
  repositories,
  rowsWith,
  send,
  settled,
  sleep,
  startApp,
  tenants,
  waitIdle,
  waitJobs,
} from './bench-world.ts';
import { percentile } from './figures.ts';
import { watchProgress } from './watched.ts';

/**
 * Many pull requests labelled at once, plus as many plain comments:
 * acknowledgement (before and while the deploys run), the time until the
 * cluster holds every preview applied and ready, and the time until every
 * sticky comment says so, which GitHub's write pacing sets.
 */
export async function burst(app: AppProcess, kc: KubeConfig) {
  const prs = Array.from({ length: burstPullRequests }, (_, i) =>
    pullRequest(i % repositories, 100 + Math.floor(i / repositories)),
  );
  let peakQueue = 0;
  let peakOutbox = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [queue = 0, outbox = 0] = await metrics(app, [
        'pr_preview_queue_depth',
        'pr_preview_github_outbox_depth',
      ]).catch(() => []);
      // A scrape without the gauge reads NaN, which would stick in the peak.
      if (Number.isFinite(queue)) peakQueue = Math.max(peakQueue, queue);
      if (Number.isFinite(outbox)) peakOutbox = Math.max(peakOutbox, outbox);
      await sleep(500);
    }
  })();
  // Past the run's bound its sleep throws too: handled here, and again where it is awaited.
  sampler.catch(() => undefined);
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
 * GitHub writes per preview once the outbox is empty, for a smaller burst
 * on a fresh app with GitHub Deployments on and off.
 */
export async function writesPerPreview(
  helm: string,
  kubeconfig: string,
  env: Record<string, string>,
) {
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
