import { CoordinationV1Api, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComponent, stopComponent } from '../cluster/bed.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'heal', repositoryId: 8001 };
const withReconciler = { PREVIEW_RECONCILE_INTERVAL: '2s' };
let nextCommentId = 80_000;

/** Another replica, or the same app after a restart, against the same cluster and GitHub. */

beforeAll(async () => {
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: heal\ntenants: [fr, be]\n');
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.github.setPermission(repo.owner, repo.repo, 'writer', 'write');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

describe('the reconciler repairs what lost webhooks left', () => {
  it('at start: destroys previews of closed PRs, removed labels and removed repositories; deploys labelled PRs; keeps command-made ones', async () => {
    for (const n of [1, 2, 3]) world.commit(repo, sha(n), 'foo', 'heal');
    await world.send('labeled', {
      ...repo,
      number: 801,
      sha: sha(1),
      labels: ['cd/preview:fr'],
      label: 'cd/preview:fr',
    });
    await world.send('labeled', {
      ...repo,
      number: 803,
      sha: sha(1),
      labels: ['cd/preview:be'],
      label: 'cd/preview:be',
    });
    world.github.setPullRequest(repo.owner, repo.repo, 804, { headSha: sha(1) });
    await world.sendComment({
      ...repo,
      number: 804,
      body: '/preview deploy fr',
      user: 'writer',
      commentId: nextCommentId++,
    });
    await world.waitForComment({ ...repo, number: 801 }, /FR .* ✅ ready/);
    await world.waitForComment({ ...repo, number: 803 }, /BE .* ✅ ready/);
    await world.waitForComment({ ...repo, number: 804 }, /FR .* ✅ ready/);
    // A preview of a repository the app no longer sees, left behind in the cluster.
    const orphan = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'gone-pr-1',
        labels: {
          'app.kubernetes.io/managed-by': 'pr-preview',
          'pr-preview.dev/repository-id': '8999',
          'pr-preview.dev/pull-request': '1',
          'pr-preview.dev/installation-id': '4242',
        },
      },
    } as KubernetesObject;
    // And one of a public repository the app was removed from: GitHub still shows it to anyone.
    world.github.addRepository('acme', 'was-ours', 8998);
    world.github.removeRepository('acme', 'was-ours', { public: true });
    const publicOrphan = {
      ...orphan,
      metadata: {
        name: 'was-ours-pr-1',
        labels: { ...orphan.metadata?.labels, 'pr-preview.dev/repository-id': '8998' },
        annotations: { 'pr-preview.dev/repository': 'acme/was-ours' },
      },
    } as KubernetesObject;
    for (const namespace of [orphan, publicOrphan]) {
      await world.k8s.objects.patch(
        namespace,
        undefined,
        undefined,
        'e2e',
        true,
        PatchStrategy.ServerSideApply,
      );
    }

    await world.app.stop();
    // While the app is down: 801 is closed, 803 loses its label, 802 gets one, 804 gets a push; no webhook arrives.
    world.github.setPullRequest(repo.owner, repo.repo, 801, { headSha: sha(1), state: 'closed' });
    world.github.setPullRequest(repo.owner, repo.repo, 803, { headSha: sha(1), labels: [] });
    world.github.setPullRequest(repo.owner, repo.repo, 802, {
      headSha: sha(2),
      labels: ['cd/preview'],
    });
    world.github.setPullRequest(repo.owner, repo.repo, 804, { headSha: sha(3) });

    const restarted = await world.replica(withReconciler);
    try {
      await world.waitForComment({ ...repo, number: 801 }, /FR .* 🗑️ destroyed/);
      await world.waitForComment({ ...repo, number: 803 }, /BE .* 🗑️ destroyed/);
      await world.waitForComment(
        { ...repo, number: 802 },
        /BE .* ✅ ready \| `2222222`/,
        /FR .* ✅ ready \| `2222222`/,
      );
      await world.waitForComment({ ...repo, number: 804 }, /FR .* ✅ ready \| `3333333`/);
      expect(await world.namespacesOf(repo.repositoryId, 801)).toEqual([]);
      expect(await world.namespacesOf(repo.repositoryId, 803)).toEqual([]);
      expect(await world.namespacesOf(repo.repositoryId, 802)).toEqual([
        'heal-pr-802-be',
        'heal-pr-802-fr',
      ]);
      expect(await world.namespacesOf(repo.repositoryId, 804)).toEqual(['heal-pr-804-fr']);
      await eventually('orphans gone', async () =>
        (await world.namespacesOf(8999, 1)).length === 0 &&
        (await world.namespacesOf(8998, 1)).length === 0
          ? true
          : undefined,
      );
    } finally {
      await restarted.stop();
      // Back as the world started it: not reconciling, so that replicas below lead.
      await world.app.start({
        githubHost: world.github.host,
        kubeconfig: world.kubeconfig,
        helm: world.helm,
        env: { PREVIEW_RECONCILE_INTERVAL: '0' },
      });
    }
  });
});

describe('crash safety', () => {
  it('finishes a deploy that a killed process left half-applied', async () => {
    const many = Array.from(
      { length: 120 },
      (_, i) =>
        `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-${i}\ndata:\n  n: "${i}"\n`,
    ).join('');
    world.commit(repo, sha(4), 'foo', 'heal', { '.cloud/charts/heal/templates/filler.yaml': many });
    // Room for the chart's 120 ConfigMaps, which the default quota (10) would refuse.
    const roomy = { PREVIEW_QUOTA: 'pods=30,count/configmaps=200' };
    const app = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0', ...roomy });
    const pr = { ...repo, number: 805 };
    await world.send(
      'labeled',
      {
        ...pr,
        sha: sha(4),
        labels: ['cd/preview:fr'],
        label: 'cd/preview:fr',
      },
      undefined,
      app,
    );
    // Kill it as soon as the apply has begun: some objects in, the deploy not recorded.
    await eventually(
      'the apply under way',
      async () => {
        const configMaps = await world.k8s.core
          .listNamespacedConfigMap({
            namespace: 'heal-pr-805-fr',
            labelSelector: 'pr-preview.dev/pull-request=805',
          })
          .catch(() => undefined);
        return configMaps && configMaps.items.length > 0 ? true : undefined;
      },
      60_000,
    );
    await app.kill();
    const left = await world.k8s.core.readNamespace({ name: 'heal-pr-805-fr' });
    expect(left.metadata?.annotations?.['pr-preview.dev/deploying-sha']).toBe(sha(4));
    expect(left.metadata?.annotations?.['pr-preview.dev/sha']).toBeUndefined();

    const restarted = await world.replica({ ...withReconciler, ...roomy });
    try {
      await world.waitForComment(pr, /FR .* ✅ ready \| `4444444`/);
      const namespace = await world.k8s.core.readNamespace({ name: 'heal-pr-805-fr' });
      expect(namespace.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(4));
      expect(namespace.metadata?.annotations?.['pr-preview.dev/deploying-sha']).toBeUndefined();
      const configMaps = await world.k8s.core.listNamespacedConfigMap({
        namespace: 'heal-pr-805-fr',
        labelSelector: 'pr-preview.dev/pull-request=805',
      });
      expect(configMaps.items).toHaveLength(120);
      await world.k8s.apps.readNamespacedDeployment({ name: 'heal', namespace: 'heal-pr-805-fr' });
    } finally {
      await restarted.stop();
    }
  });
});

describe('expiry', () => {
  it('destroys a preview after its ttl with a note, keeps it gone, and /preview deploy brings it back', async () => {
    world.github.setConfig('acme', 'short', 'app: short\nttl: 4s\n');
    const short = { owner: 'acme', repo: 'short', repositoryId: 8002, number: 806 };
    world.github.addRepository('acme', 'short', 8002);
    world.github.setPermission('acme', 'short', 'writer', 'write');
    world.commit(short, sha(5), 'foo', 'short');
    const app = await world.replica(withReconciler);
    try {
      await world.send(
        'labeled',
        {
          ...short,
          sha: sha(5),
          labels: ['cd/preview'],
          label: 'cd/preview',
        },
        undefined,
        app,
      );
      await world.waitForComment(short, /✅ ready/);
      const body = await world.waitForComment(
        short,
        /💤 expired: no push or command within the ttl; `\/preview deploy` brings it back/,
      );
      expect(body).toContain('~~short-806.preview.bar.com~~');
      expect(await world.namespacesOf(8002, 806)).toEqual([]);
      // Several more passes: the label is still there, yet the expired preview stays gone.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await world.namespacesOf(8002, 806)).toEqual([]);
      await world.sendComment(
        {
          ...short,
          body: '/preview deploy',
          user: 'writer',
          commentId: nextCommentId++,
        },
        app,
      );
      await world.waitForComment(short, /✅ ready \| `5555555`/);
      expect(await world.namespacesOf(8002, 806)).toEqual(['short-pr-806']);
    } finally {
      await app.stop();
    }
  });
});

describe('keeping a preview past its ttl', () => {
  it('warns once before the ttl ends; /preview keep keeps it past, /preview unkeep lets the ttl run again', async () => {
    const keep = { owner: 'acme', repo: 'keep', repositoryId: 8003, number: 808 };
    world.github.setConfig('acme', 'keep', 'app: keep\nttl: 40s\n');
    world.github.addRepository('acme', 'keep', keep.repositoryId);
    world.github.setPermission('acme', 'keep', 'writer', 'write');
    world.commit(keep, sha(8), 'foo', 'keep');
    const replies = (text: string) =>
      world.github.commentsOn('acme', 'keep', 808).filter((c) => c.body.includes(text));
    const namespace = () => world.k8s.core.readNamespace({ name: 'keep-pr-808' });
    const app = await world.replica(withReconciler);
    try {
      await world.send(
        'labeled',
        { ...keep, sha: sha(8), labels: ['cd/preview'], label: 'cd/preview' },
        undefined,
        app,
      );
      await world.waitForComment(keep, /✅ ready \| `8888888`/);
      const expiresAt = Date.parse(
        (await namespace()).metadata?.annotations?.['pr-preview.dev/expires-at'] ?? '',
      );
      // A quarter of the 40 s ttl ahead: one warning, naming the host.
      const warning = await eventually('the expiry warning', async () => replies('⏳')[0], 60_000);
      expect(Date.now()).toBeLessThan(expiresAt);
      expect(warning.body).toContain('keep-808.preview.bar.com');
      expect(warning.body).toContain('`/preview keep`');

      await world.sendComment(
        { ...keep, body: '/preview keep', user: 'writer', commentId: nextCommentId++ },
        app,
      );
      await eventually('the keep answered', async () => replies('Kept past the `ttl`')[0]);
      const kept = await namespace();
      expect(kept.metadata?.annotations?.['pr-preview.dev/kept-by']).toBe('writer');
      expect(kept.metadata?.managedFields?.map((f) => f.manager)).toContain('pr-preview-lifetime');
      // Well past its expiry, and several reconcile passes later, it is still there.
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 6_000));
      expect((await namespace()).metadata?.deletionTimestamp).toBeUndefined();
      // The sticky comment says who kept it, as code: no mention on every edit.
      expect(world.commentBody(keep)).toMatch(/✅ ready · kept by `writer` \| `8888888`/);
      expect(replies('⏳')).toHaveLength(1);

      const unkeptAt = Date.now();
      await world.sendComment(
        { ...keep, body: '/preview unkeep', user: 'writer', commentId: nextCommentId++ },
        app,
      );
      await eventually('the unkeep answered', async () => replies('runs again')[0]);
      const unkept = (await namespace()).metadata?.annotations ?? {};
      expect(unkept['pr-preview.dev/kept-by']).toBeUndefined();
      const notBefore = Date.parse(unkept['pr-preview.dev/expires-not-before'] ?? '');
      expect(notBefore).toBeGreaterThanOrEqual(unkeptAt + 40_000);
      await world.waitForComment(keep, /✅ ready \| `8888888`/);
      expect(world.commentBody(keep)).not.toContain('kept by');
      // The ttl ran again from the unkeep: warned of the new expiry, then destroyed.
      await world.waitForComment(keep, /💤 expired/);
      expect(Date.now()).toBeGreaterThanOrEqual(notBefore);
      expect(replies('⏳')).toHaveLength(2);
      expect(await world.namespacesOf(keep.repositoryId, 808)).toEqual([]);
    } finally {
      await app.stop();
    }
  }, 300_000);
});

describe('several replicas', () => {
  it('never lets two replicas work on one pull request at once, and reconciles on one', async () => {
    const a = await world.replica(withReconciler);
    const b = await world.replica(withReconciler);
    const pr = { ...repo, number: 807 };
    try {
      const before = world.github.calls.length;
      world.commit(repo, sha(6), 'foo', 'heal');
      world.commit(repo, sha(7), 'foo', 'heal');
      await world.send(
        'labeled',
        {
          ...pr,
          sha: sha(6),
          labels: ['cd/preview:be'],
          label: 'cd/preview:be',
        },
        undefined,
        a,
      );
      await world.send(
        'synchronize',
        { ...pr, sha: sha(7), labels: ['cd/preview:be'] },
        undefined,
        b,
      );
      await world.waitForComment(pr, /BE .* ✅ ready \| `7777777`/);
      await eventually('both deploys done', async () =>
        world.github.calls.slice(before).filter((c) => c.path.includes('/tarball/')).length >= 2
          ? true
          : undefined,
      );
      await world.waitForComment(pr, /BE .* ✅ ready \| `7777777`/);
      const calls = world.github.calls.slice(before);
      const commentState = (c: (typeof calls)[number]): string | undefined => {
        if (!/\/issues\/(807\/comments|comments\/\d+)$/.test(c.path) || c.method === 'GET') return;
        const match = /\| BE \| .* \| (⏳ deploying|✅ ready)[^|]* \| \[?`(\w+)`/.exec(
          (c.body as { body: string }).body,
        );
        return match ? `${match[1]}@${match[2]}` : undefined;
      };
      const states = calls.map(commentState).filter((s): s is string => s !== undefined);
      // No state of one deploy after another's: the outbox may skip a state that a newer
      // one replaced before its turn, never send an older one after a newer.
      const shas = states.map((state) => state.split('@')[1]);
      expect(shas).toEqual([...shas].sort());
      expect(states.at(-1)).toBe('✅ ready@7777777');
      // Whichever replica took the lease second fetched its archive only after the first
      // one's deploy had ended, by the first one's log. (Its comment may leave later: each
      // replica's outbox sends in its own time.)
      const [first, second] = calls.filter((c) => c.path.includes('/tarball/'));
      const firstSha = /\/tarball\/(\w+)/.exec(first?.path ?? '')?.[1];
      const deployed = [...a.logLines(), ...b.logLines()].find(
        (line) => line.msg === 'preview deployed' && line.sha === firstSha,
      );
      expect(deployed).toBeDefined();
      expect(second?.at).toBeGreaterThan(Number(deployed?.time));
      const lease = await world.k8s.kc
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: 'pr-preview-app-1-reconciler', namespace: 'default' });
      expect(lease.spec?.holderIdentity).toMatch(/-\d+-[0-9a-f]{6}$/);
      await world.send('closed', { ...pr, sha: sha(7), labels: ['cd/preview:be'] });
      await world.waitForComment(pr, /🗑️ destroyed/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('faults and operations', () => {
  it('is not ready while the API server is down, and catches up when it returns', async () => {
    const app = await world.replica(withReconciler);
    const pr = { ...repo, number: 808 };
    try {
      expect(await app.get('/readyz')).toEqual({ status: 200, body: 'ready' });
      world.commit(repo, sha(8), 'foo', 'heal');
      await stopComponent('kube-apiserver');
      try {
        await eventually(
          'not ready',
          async () => ((await app.get('/readyz')).status === 503 ? true : undefined),
          30_000,
        );
        expect((await app.get('/healthz')).status).toBe(200);
        // Not acknowledged while it cannot be recorded: GitHub keeps it as a failed delivery.
        await expect(
          world.send(
            'labeled',
            { ...pr, sha: sha(8), labels: ['cd/preview:fr'], label: 'cd/preview:fr' },
            undefined,
            app,
          ),
        ).rejects.toThrow(/webhook answered 5\d\d/);
      } finally {
        await startComponent('kube-apiserver');
      }
      await eventually(
        'ready again',
        async () => ((await app.get('/readyz')).status === 200 ? true : undefined),
        60_000,
      );
      await world.waitForComment(pr, /FR .* ✅ ready \| `8888888`/);
      expect(await world.namespacesOf(repo.repositoryId, 808)).toEqual(['heal-pr-808-fr']);
    } finally {
      await app.stop();
    }
  });

  it('serves health, readiness and Prometheus metrics, and logs repo, PR, tenant and delivery', async () => {
    const app = await world.replica(withReconciler);
    const pr = { ...repo, number: 809 };
    try {
      world.commit(repo, sha(9), 'foo', 'heal');
      await world.send(
        'labeled',
        {
          ...pr,
          sha: sha(9),
          labels: ['cd/preview:be'],
          label: 'cd/preview:be',
        },
        'delivery-809',
        app,
      );
      await world.waitForComment(pr, /BE .* ✅ ready/);
      const metrics = (await app.get('/metrics')).body;
      expect(metrics).toMatch(/^pr_preview_deploys_total\{result="success"\} [1-9]/m);
      expect(metrics).toMatch(
        /^pr_preview_deploy_duration_seconds_count\{result="success"\} [1-9]/m,
      );
      expect(metrics).toMatch(/^pr_preview_queue_depth \d+/m);
      expect(metrics).toMatch(/^pr_preview_active_previews\{tenant="be"\} [1-9]/m);
      expect(metrics).toMatch(/^pr_preview_github_rate_limit_remaining \d+/m);
      const deployed = app
        .logLines()
        .find((line) => line.msg === 'preview deployed' && line.delivery === 'delivery-809');
      expect(deployed).toMatchObject({
        repo: 'acme/heal',
        pr: 809,
        tenant: 'be',
        delivery: 'delivery-809',
      });
      await world.send('closed', { ...pr, sha: sha(9), labels: ['cd/preview:be'] }, undefined, app);
      await world.waitForComment(pr, /🗑️ destroyed/);
      expect((await app.get('/metrics')).body).toMatch(
        /^pr_preview_destroys_total\{result="success"\} [1-9]/m,
      );
    } finally {
      await app.stop();
    }
  });

  it('retries GitHub server errors and secondary rate limits, and finishes work in flight on SIGTERM', async () => {
    const app = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' });
    const pr = { ...repo, number: 810 };
    world.commit(repo, sha(1), 'foo', 'heal');
    world.github.failNext('POST', /\/issues\/810\/comments$/, 502);
    world.github.failNext('GET', /\/tarball\//, 503);
    world.github.failNext(
      'PATCH',
      /\/issues\/comments\/\d+$/,
      403,
      { 'retry-after': '1' },
      'You have exceeded a secondary rate limit.',
    );
    await world.send(
      'labeled',
      {
        ...pr,
        sha: sha(1),
        labels: ['cd/preview:fr'],
        label: 'cd/preview:fr',
      },
      undefined,
      app,
    );
    await world.waitForComment(pr, /FR .* ⏳ deploying/);
    const exitCode = await app.terminate();
    expect(exitCode).toBe(0);
    expect(world.commentBody(pr)).toMatch(/FR .* ✅ ready \| `1111111`/);
    expect(app.logLines().some((line) => String(line.msg).includes('all work finished'))).toBe(
      true,
    );
    expect(await world.namespacesOf(repo.repositoryId, 810)).toEqual(['heal-pr-810-fr']);
    await world
      .send('closed', { ...pr, sha: sha(1), labels: ['cd/preview:fr'] })
      .catch(() => undefined);
  });
});
