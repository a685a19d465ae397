import { CoordinationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusPayload } from '../fixtures/webhook-payloads.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * What a real installation meets: commands that wait for checks, several
 * replicas, commits that keep failing, and a machine without helm or a
 * cluster. The world's own app does not reconcile; replicas started here do.
 */
const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'ops', repositoryId: 8501 };
const installationsListed = () =>
  world.github.callsMatching('GET', /^\/app\/installations$/).length;
let nextCommentId = 85_000;

/** Waits until the replicas, together, have made `passes` more reconcile passes (each lists installations once). */
/** Waits for `count` more passes than had listed installations by `since` (default: now). */
async function passes(count: number, since = installationsListed()): Promise<void> {
  const target = since + count;
  await eventually(`${count} reconcile passes`, async () =>
    installationsListed() >= target ? true : undefined,
  );
}

beforeAll(async () => {
  await world.start();
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.github.setPermission(repo.owner, repo.repo, 'writer', 'write');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

describe('commands that wait for checks', () => {
  it('keep a command-made preview on a pull request without the label through reconcile passes', async () => {
    world.github.setConfig(repo.owner, repo.repo, 'app: ops\nwaitFor: [build]\n');
    const pr = { ...repo, number: 1 };
    world.commit(repo, sha(1), 'foo', 'ops');
    world.github.setPullRequest(repo.owner, repo.repo, 1, { headSha: sha(1), labels: [] });
    world.github.setStatus(repo.owner, repo.repo, sha(1), { context: 'build', state: 'pending' });
    await world.sendComment({
      ...pr,
      body: '/preview deploy',
      user: 'writer',
      commentId: nextCommentId++,
    });
    await world.waitForComment(pr, /⏸️ waiting: waiting for build/);
    world.github.setStatus(repo.owner, repo.repo, sha(1), { context: 'build', state: 'success' });
    const status = await world.app.deliver(
      'status',
      statusPayload({ ...repo, sha: sha(1), name: 'build', state: 'success' }),
    );
    expect(status).toBe(200);
    await world.waitForComment(pr, /✅ ready \| `1111111`/);
    const namespace = await world.k8s.core.readNamespace({ name: 'ops-pr-1' });
    expect(namespace.metadata?.annotations?.['pr-preview.dev/origin']).toBe('command');

    const reconciler = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '2s' });
    try {
      await passes(3);
      expect(await world.namespacesOf(repo.repositoryId, 1)).toEqual(['ops-pr-1']);
      expect(world.commentBody(pr)).toMatch(/✅ ready \| `1111111`/);
    } finally {
      await reconciler.stop();
    }
  });
});

describe('several replicas', () => {
  it('reconcile on one replica at a time, which keeps the lease while it lives', async () => {
    world.github.setConfig(repo.owner, repo.repo, 'app: ops\n');
    const leases = world.k8s.kc.makeApiClient(CoordinationV1Api);
    const read = () =>
      leases.readNamespacedLease({ name: 'pr-preview-app-1-reconciler', namespace: 'default' });
    const a = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '2s' });
    const b = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '2s' });
    try {
      await passes(1);
      const first = await read();
      const holder = first.spec?.holderIdentity ?? '';
      const leader = holder.includes(`-${a.pid}-`) ? a : b;
      expect(holder).toMatch(new RegExp(`-(${a.pid}|${b.pid})-`));

      // Twelve seconds of 2 s intervals: about six passes by one replica, not twelve by two.
      const listedBefore = installationsListed();
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      const listed = installationsListed() - listedBefore;
      expect(listed).toBeGreaterThanOrEqual(4);
      expect(listed).toBeLessThanOrEqual(8);
      const later = await read();
      expect(later.spec?.holderIdentity).toBe(holder);
      expect(later.spec?.leaseTransitions ?? 0).toBe(first.spec?.leaseTransitions ?? 0);
      expect(new Date(later.spec?.renewTime ?? 0).getTime()).toBeGreaterThan(
        new Date(first.spec?.renewTime ?? 0).getTime(),
      );

      // The leader stops: it gives the lease up, and the other takes over at its next pass.
      await leader.stop();
      const follower = leader === a ? b : a;
      await eventually('the other replica leading', async () => {
        const lease = await read().catch(() => undefined);
        return lease?.spec?.holderIdentity?.includes(`-${follower.pid}-`) ? true : undefined;
      });
      // Given up emptied, as client-go does: the count of hands it went through goes on.
      const taken = await read();
      expect(taken.spec?.leaseTransitions).toBe((first.spec?.leaseTransitions ?? 0) + 1);
      expect(new Date(taken.spec?.acquireTime ?? 0).getTime()).toBeGreaterThan(
        new Date(first.spec?.acquireTime ?? 0).getTime(),
      );
      await passes(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('a reconcile pass', () => {
  it('goes on past a repository GitHub fails to list, leaves its previews alone, and counts the error', async () => {
    const other = { owner: 'acme', repo: 'ops2', repositoryId: 8502 };
    const pr = { ...other, number: 6 };
    world.github.addRepository(other.owner, other.repo, other.repositoryId);
    world.github.setConfig(other.owner, other.repo, 'app: ops2\n');
    world.commit(other, sha(6), 'foo', 'ops2');
    await world.send('labeled', {
      ...pr,
      sha: sha(6),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready/);
    // Closed on GitHub without a webhook: a pass that lists it destroys the preview.
    world.github.setPullRequest(other.owner, other.repo, 6, {
      headSha: sha(6),
      state: 'closed',
      labels: ['cd/preview'],
    });
    // Its repository cannot be listed for the next two passes.
    for (let i = 0; i < 2; i++) world.github.failNext('GET', /^\/repos\/acme\/ops2\/pulls$/, 404);
    // Counted from before the start: the first pass may begin before the replica answers.
    const listedBefore = installationsListed();
    const reconciler = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '2s' });
    try {
      await passes(2, listedBefore);
      expect(await world.namespacesOf(other.repositoryId, 6)).toEqual(['ops2-pr-6']);
      const metrics = (await reconciler.get('/metrics')).body;
      expect(metrics).toMatch(/^pr_preview_reconcile_errors_total\{stage="list"\} [1-9]/m);
      // Listed again, the pull request is seen closed, and its preview goes.
      await eventually('the preview of the closed pull request destroyed', async () =>
        (await world.namespacesOf(other.repositoryId, 6)).length === 0 ? true : undefined,
      );
    } finally {
      await reconciler.stop();
    }
  });
});

describe('a commit that keeps failing', () => {
  it('costs no GitHub writes on later passes, and a push is tried at once', async () => {
    world.github.setConfig(repo.owner, repo.repo, 'app: broken\n');
    const pr = { ...repo, number: 3 };
    world.commit(repo, sha(3), 'broken', 'broken');
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /❌ failed: `helm template failed/);
    await eventually('the failed deploy recorded on GitHub', async () =>
      world.github
        .deploymentsOf(repo.owner, repo.repo, 'preview-pr-3')
        .some((d) => d.statuses.length > 0)
        ? true
        : undefined,
    );

    const reconciler = await world.replica({
      PREVIEW_RECONCILE_INTERVAL: '2s',
      PREVIEW_FAILURE_BACKOFF: '1h',
    });
    try {
      const writes = () =>
        world.github.calls.filter(
          (c) => c.method !== 'GET' && c.path.startsWith('/repos/acme/ops/'),
        ).length;
      const downloads = () =>
        world.github.callsMatching('GET', /^\/repos\/acme\/ops\/tarball\//).length;
      await passes(1);
      const before = { writes: writes(), downloads: downloads() };
      await passes(3);
      expect({ writes: writes(), downloads: downloads() }).toEqual(before);

      // A push is a new commit: tried at once, and reported.
      world.commit(repo, sha(4), 'foo', 'broken');
      world.github.setPullRequest(repo.owner, repo.repo, 3, {
        headSha: sha(4),
        labels: ['cd/preview'],
      });
      await world.waitForComment(pr, /✅ ready \| `4444444`/);
      expect(writes()).toBeGreaterThan(before.writes);
      const failures = await world.k8s.core.listNamespacedConfigMap({
        namespace: 'default',
        labelSelector: 'pr-preview.dev/failure-memory=true',
      });
      expect(failures.items.map((c) => c.metadata?.name)).not.toContain(
        `pr-preview-app-1-failed-${repo.repositoryId}-3`,
      );
    } finally {
      await reconciler.stop();
    }
  });

  it('is retried by the reconciler after its backoff, and a retry that fails the same way writes nothing', async () => {
    const pr = { ...repo, number: 5 };
    world.github.setConfig(repo.owner, repo.repo, 'app: broken\n');
    world.commit(repo, sha(5), 'broken', 'broken');
    const reconciler = await world.replica({
      PREVIEW_RECONCILE_INTERVAL: '2s',
      PREVIEW_FAILURE_BACKOFF: '1s',
    });
    try {
      // The failure is recorded by the replica, with its short backoff.
      await world.send(
        'labeled',
        { ...pr, sha: sha(5), labels: ['cd/preview'], label: 'cd/preview' },
        undefined,
        reconciler,
      );
      await world.waitForComment(pr, /❌ failed: `helm template failed/);
      await eventually('the failure recorded on GitHub Deployments', async () =>
        world.github
          .deploymentsOf(repo.owner, repo.repo, 'preview-pr-5')
          .some((d) => d.statuses.length > 0)
          ? true
          : undefined,
      );
      const downloads = () =>
        world.github.callsMatching('GET', /^\/repos\/acme\/ops\/tarball\/5{7}/).length;
      const writes = () =>
        world.github.calls.filter(
          (c) => c.method !== 'GET' && /^\/repos\/acme\/ops\/(issues|deployments)/.test(c.path),
        ).length;
      await passes(1);
      const before = { writes: writes(), downloads: downloads() };
      await eventually('two retries', async () =>
        downloads() >= before.downloads + 2 ? true : undefined,
      );
      expect(writes()).toBe(before.writes);
      const record = await world.k8s.core.readNamespacedConfigMap({
        name: `pr-preview-app-1-failed-${repo.repositoryId}-5`,
        namespace: 'default',
      });
      expect(JSON.parse(record.data?.record ?? '{}')).toMatchObject({ sha: sha(5) });
      expect(JSON.parse(record.data?.record ?? '{}').attempts).toBeGreaterThanOrEqual(3);
    } finally {
      await reconciler.stop();
      await world.send('closed', { ...pr, sha: sha(5), labels: ['cd/preview'] });
    }
  });
});

describe('start-up on a machine that lacks something', () => {
  it('is not ready without a working helm, says so, and finds the helm that npm run tools built', async () => {
    const noHelm = await world.replica({
      HELM_BIN: '/nonexistent/helm',
      PREVIEW_RECONCILE_INTERVAL: '0',
    });
    try {
      const answer = await noHelm.get('/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toContain('cannot run helm (/nonexistent/helm)');
      expect(answer.body).toContain('set HELM_BIN');
    } finally {
      await noHelm.stop();
    }
    // No HELM_BIN and no helm on PATH: the tools folder's helm, as `npm run tools` left it.
    const toolsHelm = await world.replica({
      HELM_BIN: '',
      PATH: dirname(process.execPath),
      PR_PREVIEW_TOOLS_DIR: dirname(dirname(world.helm)),
      PREVIEW_RECONCILE_INTERVAL: '0',
    });
    try {
      await eventually('ready with the tools helm', async () =>
        (await toolsHelm.get('/readyz')).status === 200 ? true : undefined,
      );
    } finally {
      await toolsHelm.stop();
    }
  });

  it('says that no cluster is configured instead of failing at every pass', async () => {
    const home = await mkdtemp(join(tmpdir(), 'no-kube-'));
    const lost = await world.replica({
      KUBECONFIG: '',
      HOME: home,
      PREVIEW_RECONCILE_INTERVAL: '2s',
    });
    try {
      const answer = await lost.get('/readyz');
      expect(answer).toEqual({
        status: 503,
        body: 'not ready: no Kubernetes cluster configured (set KUBECONFIG)',
      });
    } finally {
      await lost.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses to start without a webhook secret, or with bad settings, naming each in its JSON log', async () => {
    const refused = await world
      .replica({
        WEBHOOK_SECRET: '',
        PREVIEW_QUOTA: 'requests.cpu=lots',
        PREVIEW_CONCURRENCY: 'many',
      })
      .then(
        () => 'started',
        (error: Error) => error.message,
      );
    expect(refused).toContain('the app exited (1)');
    const fatal = refused
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; problems?: string[] })
      .find((line) => line.level === 60);
    expect(fatal?.problems).toEqual([
      expect.stringContaining('WEBHOOK_SECRET is not set'),
      expect.stringContaining('2 settings are wrong'),
    ]);
    expect(fatal?.problems?.[1]).toContain(
      'PREVIEW_QUOTA: `requests.cpu=lots`: lots is not a Kubernetes quantity',
    );
    expect(fatal?.problems?.[1]).toContain(
      'PREVIEW_CONCURRENCY must be a positive integer, got `many`',
    );
  });
});
