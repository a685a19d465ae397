import { Context, type Probot } from 'probot';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommitCheck } from '../../src/handlers/commit-checks.ts';
import { handleIssueComment } from '../../src/handlers/issue-comment.ts';
import { handlePullRequest } from '../../src/handlers/pull-request.ts';
import { FakeGitHub, octokitFor } from '../e2e/support/fake-github.ts';
import {
  issueCommentPayload,
  pullRequestPayload,
  statusPayload,
} from '../fixtures/webhook-payloads.ts';
import { fixtureCharts } from '../e2e/support/preview-world.ts';
import { fakeServices } from '../support/fake-ports.ts';
import { resumeWork } from '../../src/execute/resume-work.ts';
import { DeliveryLog } from '../../src/queue/delivery-log.ts';
import { KeyedQueue } from '../../src/queue/keyed-queue.ts';

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('never came true');
}
import { join } from 'node:path';

/**
 * The webhook handlers with real payloads, a real Octokit and the loopback
 * fake GitHub; Kubernetes and helm are the in-memory fakes. Each handler only
 * gathers its inputs and queues work: the tests wait for the queue and read
 * what GitHub and the cluster were left with.
 */
const github = new FakeGitHub();
const repo = { owner: 'acme', repo: 'foo', repositoryId: 11 };
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  await github.start();
  github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  github.setConfig(repo.owner, repo.repo, 'app: foo\n');
});

afterAll(async () => {
  await github.stop();
});

const octokit = () => octokitFor(github);
/** The app as resumed jobs meet it: each installation's client, against the fake GitHub. */
const app = { auth: async () => octokit() } as unknown as Probot;

function context<T extends 'pull_request' | 'issue_comment' | 'status'>(
  name: T,
  payload: Record<string, unknown>,
  id = `delivery-${Math.random()}`,
) {
  return new Context({ id, name, payload } as never, octokit() as never, silent as never) as never;
}

const sha = (n: number) => String(n).repeat(40);

function commit(number: number, head: string) {
  github.setCommit(repo.owner, repo.repo, head, {
    folders: { '.cloud/charts/foo': join(fixtureCharts, 'foo') },
  });
  github.setPullRequest(repo.owner, repo.repo, number, { headSha: head, labels: ['cd/preview'] });
}

describe('handlePullRequest', () => {
  it('queues the event and deploys the head GitHub shows when the job runs', async () => {
    const { services, cluster } = fakeServices();
    commit(1, sha(2));
    const payload = pullRequestPayload('labeled', {
      ...repo,
      number: 1,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await handlePullRequest(app, services)(context('pull_request', payload));
    await services.queue.idle();
    await services.outboxes.idle();
    expect(cluster.namespaces.get('foo-pr-1')?.record?.sha).toBe(sha(2));
    const [comment] = github.commentsOn(repo.owner, repo.repo, 1);
    // The commit links to its page on the GitHub the app talks to (GHE_HOST's, here).
    expect(comment?.body).toMatch(
      /^\| — \| \[foo-1\.preview\.bar\.com\]\(https:\/\/foo-1\.preview\.bar\.com\) \| ✅ ready \| \[`2222222`\]\(http:\/\/127\.0\.0\.1:\d+\/acme\/foo\/commit\/2{40}\) \|$/m,
    );
    expect(comment?.body).toMatch(/^<sub>Updated \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/sub>$/m);
  });

  it('records the job before answering, runs a delivery once while recorded, and drops it once done', async () => {
    const world = fakeServices();
    commit(5, sha(6));
    const payload = pullRequestPayload('labeled', {
      ...repo,
      number: 5,
      sha: sha(6),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    world.services.queue = new KeyedQueue(1);
    let release = () => {};
    // Another pull request's job holds the one slot: the webhook's job waits, recorded.
    void world.services.queue.enqueue('other', () => new Promise<void>((r) => (release = r)));
    await handlePullRequest(app, world.services)(context('pull_request', payload, 'once'));
    expect(await world.services.work.pending()).toMatchObject([
      { delivery: 'once', number: 5, work: { kind: 'pull_request' }, attempts: 0 },
    ]);
    // GitHub delivers it again (it saw a timeout) to a replica that never saw it.
    world.services.deliveries = new DeliveryLog();
    world.services.queuedJobs = new Set();
    await handlePullRequest(app, world.services)(context('pull_request', payload, 'once'));
    release();
    await world.services.queue.idle();
    await eventually(async () => (await world.services.work.pending()).length === 0);
    expect(world.renderer.renders).toBe(1);
    expect(world.cluster.namespaces.get('foo-pr-5')?.record?.sha).toBe(sha(6));
  });

  it('records what comes while shutting down, and the next start carries it out', async () => {
    const stopping = fakeServices();
    commit(6, sha(7));
    stopping.services.queue.close();
    await handlePullRequest(
      app,
      stopping.services,
    )(
      context(
        'pull_request',
        pullRequestPayload('labeled', {
          ...repo,
          number: 6,
          sha: sha(7),
          labels: ['cd/preview'],
          label: 'cd/preview',
        }),
      ),
    );
    expect(stopping.renderer.renders).toBe(0);
    const recorded = await stopping.services.work.pending();
    expect(recorded).toHaveLength(1);

    // The next start, with the cluster's records: the job runs there.
    const started = fakeServices();
    started.services.work = stopping.services.work;
    await resumeWork(app, started.services, { minAgeMs: 0, logger: started.services.logger });
    await started.services.queue.idle();
    expect(started.cluster.namespaces.get('foo-pr-6')?.record?.sha).toBe(sha(7));
    await eventually(async () => (await started.services.work.pending()).length === 0);
  });

  it('does nothing twice for a redelivered webhook', async () => {
    const { services, renderer } = fakeServices();
    commit(2, sha(3));
    const payload = pullRequestPayload('synchronize', {
      ...repo,
      number: 2,
      sha: sha(3),
      labels: ['cd/preview'],
    });
    const handler = handlePullRequest(app, services);
    await handler(context('pull_request', payload, 'same'));
    await handler(context('pull_request', payload, 'same'));
    await services.queue.idle();
    await services.outboxes.idle();
    expect(renderer.renders).toBe(1);
  });
});

describe('handleIssueComment', () => {
  it('answers /preview status from a person, and ignores bots, plain issues and comments without commands', async () => {
    const { services } = fakeServices();
    github.setPullRequest(repo.owner, repo.repo, 3, { headSha: sha(4) });
    const handler = handleIssueComment(app, services);
    const comment = (extra: Partial<Parameters<typeof issueCommentPayload>[0]>) =>
      issueCommentPayload({
        ...repo,
        number: 3,
        body: '/preview status',
        user: 'octocat',
        commentId: 500,
        ...extra,
      });
    const before = github.calls.length;
    await handler(context('issue_comment', comment({ userType: 'Bot', user: 'ci[bot]' })));
    await handler(context('issue_comment', comment({ onPullRequest: false })));
    await handler(context('issue_comment', comment({ body: 'looks good to me' })));
    await services.queue.idle();
    await services.outboxes.idle();
    expect(github.calls.length).toBe(before);

    await handler(context('issue_comment', comment({ commentId: 501 })));
    await services.queue.idle();
    await services.outboxes.idle();
    const replies = github.commentsOn(repo.owner, repo.repo, 3).map((c) => c.body);
    expect(replies).toEqual([expect.stringContaining('No previews')]);
    expect(github.reactionsTo(501)).toEqual(['eyes', 'rocket']);
  });
});

describe('handleCommitCheck', () => {
  it('finds the pull requests of a commit status and resumes those waiting for it', async () => {
    const { services, cluster } = fakeServices();
    commit(4, sha(5));
    github.setConfig(repo.owner, repo.repo, 'app: foo\nwaitFor: [build]\n');
    // A label event while the status is pending leaves the preview waiting.
    github.setStatus(repo.owner, repo.repo, sha(5), { context: 'build', state: 'pending' });
    await handlePullRequest(
      app,
      services,
    )(
      context(
        'pull_request',
        pullRequestPayload('labeled', {
          ...repo,
          number: 4,
          sha: sha(5),
          labels: ['cd/preview'],
          label: 'cd/preview',
        }),
      ),
    );
    await services.queue.idle();
    await services.outboxes.idle();
    expect(cluster.namespaces.size).toBe(0);
    github.setStatus(repo.owner, repo.repo, sha(5), { context: 'build', state: 'success' });
    await handleCommitCheck(
      app,
      services,
    )(context('status', statusPayload({ ...repo, sha: sha(5), name: 'build', state: 'success' })));
    await services.queue.idle();
    await services.outboxes.idle();
    expect(cluster.namespaces.get('foo-pr-4')?.record?.sha).toBe(sha(5));
    github.setConfig(repo.owner, repo.repo, 'app: foo\n');
  });
});
