import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestPayload } from '../fixtures/webhook-payloads.ts';
import { hostileCorpus } from './hostile-corpus.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'hostile', repositoryId: 9001 };

const secretValue = 'registry-password-do-not-leak';

beforeAll(async () => {
  // The platform's own Secret, which every preview gets a copy of.
  const source = 'pr-preview-secrets';
  await world.k8s.objects.patch(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: source } },
    undefined,
    undefined,
    'e2e',
    true,
    PatchStrategy.ServerSideApply,
  );
  await world.k8s.objects.patch(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'registry-pull', namespace: source },
      stringData: { password: secretValue },
    } as KubernetesObject,
    undefined,
    undefined,
    'e2e',
    true,
    PatchStrategy.ServerSideApply,
  );
  await world.start({
    PREVIEW_SECRETS_NAMESPACE: source,
    PREVIEW_SECRETS: 'registry-pull',
    PREVIEW_QUOTA: 'requests.cpu=2,requests.memory=4Gi,pods=10',
    PREVIEW_INGRESS_NAMESPACE: 'haproxy',
    PREVIEW_MAX_PER_REPOSITORY: '2',
  });
  world.github.setConfig(repo.owner, repo.repo, 'app: hostile\n');
  world.github.setPermission(repo.owner, repo.repo, 'octocat', 'write');
  world.github.setPermission(repo.owner, repo.repo, 'stranger', 'read');
}, 120_000);

/** The app's log as text, with JSON's escapes undone, so messages can be looked for as written. */
function logged(output: string): string {
  return output.replaceAll('\\n', '\n').replaceAll('\\"', '"');
}

afterAll(async () => {
  await world.stop();
});

const template = (body: string) => ({ '.cloud/charts/hostile/templates/hostile.yaml': body });

describe('a pull request cannot put just anything into the cluster', () => {
  it('has a corpus of at least 25 hostile inputs', () => {
    expect(hostileCorpus.length).toBeGreaterThanOrEqual(25);
  });

  it.each(hostileCorpus.map((c, i) => [c.what, c, i + 1] as const))(
    'refuses %s, says why, and applies nothing',
    async (_what, hostile, number) => {
      const pr = { ...repo, number };
      const commit = sha(number);
      world.github.setConfig(repo.owner, repo.repo, hostile.config ?? 'app: hostile\n');
      if (hostile.archive) {
        const top = `${repo.owner}-${repo.repo}-${commit.slice(0, 7)}`;
        world.github.setCommit(repo.owner, repo.repo, commit, { archive: hostile.archive(top) });
      } else {
        world.commit(repo, commit, 'foo', 'hostile', hostile.files ?? {});
      }
      const act = hostile.act ?? { label: 'cd/preview' };
      const params = { ...pr, sha: commit, labels: ['cd/preview'], label: 'cd/preview' };
      if ('signature' in act) {
        world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
        const status = await world.app.deliverSignedWith(
          act.signature,
          'pull_request',
          pullRequestPayload('labeled', params),
        );
        expect(status).toBe(hostile.refusal);
      } else if ('comment' in act) {
        world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
        world.github.setPullRequest(repo.owner, repo.repo, number, { headSha: commit });
        await world.sendComment({
          ...pr,
          body: act.comment,
          user: act.user,
          commentId: 77_000 + number,
        });
        const reply = await eventually('a reply', async () => world.replies(pr)[0]);
        expect(reply).toContain(hostile.refusal);
      } else {
        await world.send('labeled', params);
        const body = await world.waitForComment(pr, /❌ failed|⚠️/);
        expect(body).toContain(hostile.refusal);
        expect(logged(world.app.output.join(''))).toContain(hostile.refusal);
      }
      if (hostile.secret) {
        expect(
          JSON.stringify(world.github.commentsOn(repo.owner, repo.repo, number)),
        ).not.toContain(hostile.secret);
        expect(world.app.output.join('')).not.toContain(hostile.secret);
      }
      expect(await world.namespacesOf(repo.repositoryId, number)).toEqual([]);
      const leaked = await world.k8s.core.listConfigMapForAllNamespaces({
        labelSelector: `pr-preview.dev/repository-id=${repo.repositoryId},pr-preview.dev/pull-request=${number}`,
      });
      expect(leaked.items).toEqual([]);
    },
  );

  it('lists every refused object of one chart', async () => {
    const pr = { ...repo, number: 90 };
    world.github.setConfig(repo.owner, repo.repo, 'app: hostile\n');
    world.commit(
      repo,
      sha(90),
      'foo',
      'hostile',
      template(
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: b }\nspec: { containers: [{ name: x, image: x }] }\n',
      ),
    );
    await world.send('labeled', {
      ...pr,
      sha: sha(90),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(pr, /❌ failed/);
    expect(body).toContain(
      'the chart renders objects a preview may not create; nothing was applied:\n- Namespace `a` is cluster-scoped',
    );
    expect(body).toContain("- Pod `b`: kind Pod is not on the app's list of allowed kinds");
  });
});

describe('every preview namespace is fenced in by the app', () => {
  const limited = { owner: 'acme', repo: 'limited', repositoryId: 9002 };

  it('gets a quota, container defaults and a network policy from the app settings', async () => {
    const pr = { ...limited, number: 60 };
    world.github.setConfig('acme', 'limited', 'app: limited\n');
    world.commit(limited, sha(1), 'foo', 'limited');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready/);
    const namespace = 'limited-pr-60';
    const quota = await world.k8s.core.readNamespacedResourceQuota({
      name: 'pr-preview-quota',
      namespace,
    });
    expect(quota.spec?.hard).toEqual({ 'requests.cpu': '2', 'requests.memory': '4Gi', pods: '10' });
    const pods = await world.k8s.core.listNamespacedPod({
      namespace,
      labelSelector: 'app=limited',
    });
    expect(pods.items[0]?.spec?.containers[0]?.resources?.requests).toEqual({
      cpu: '100m',
      memory: '128Mi',
    });
    const policy = await world.k8s.networking.readNamespacedNetworkPolicy({
      name: 'pr-preview-isolation',
      namespace,
    });
    const copy = await world.k8s.core.readNamespacedSecret({ name: 'registry-pull', namespace });
    expect(Buffer.from(copy.data?.password ?? '', 'base64').toString()).toBe(secretValue);
    expect(copy.metadata?.labels?.['pr-preview.dev/pull-request']).toBe('60');
    expect(world.commentBody(pr)).not.toContain(secretValue);
    expect(world.app.output.join('')).not.toContain(secretValue);
    expect(policy.spec?.ingress?.[0]?._from).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'haproxy' } } },
    ]);
  });

  it('refuses previews past the cap for a repository, and says so', async () => {
    world.commit(limited, sha(2), 'foo', 'limited');
    await world.send('labeled', {
      ...limited,
      number: 61,
      sha: sha(2),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment({ ...limited, number: 61 }, /✅ ready/);
    await world.send('labeled', {
      ...limited,
      number: 62,
      sha: sha(2),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment({ ...limited, number: 62 }, /❌ failed/);
    expect(body).toContain('this repository already has 2 previews, the most the app allows (2)');
    expect(await world.namespacesOf(limited.repositoryId, 62)).toEqual([]);
    for (const number of [60, 61]) {
      await world.send('closed', { ...limited, number, sha: sha(2), labels: ['cd/preview'] });
      await world.waitForComment({ ...limited, number }, /🗑️ destroyed/);
    }
  });
});

describe('pull requests from forks', () => {
  const base = { owner: 'acme', repo: 'forked', repositoryId: 9003 };
  const fork = 'stranger/forked';

  it('deploys a fork only at the commit a maintainer approved', async () => {
    const pr = { ...base, number: 70 };
    world.github.setConfig('acme', 'forked', 'app: forked\n');
    world.github.setPermission('acme', 'forked', 'maintainer', 'maintain');
    world.commit(base, sha(1), 'foo', 'forked');
    world.commit(base, sha(2), 'foo', 'forked');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
      fork,
    });
    const waiting = await world.waitForComment(pr, /⚠️/);
    expect(waiting).toContain(
      'This pull request comes from a fork, so its code is not deployed on its own',
    );
    expect(waiting).toContain('approves commit `1111111` with `/preview deploy`');
    expect(await world.namespacesOf(base.repositoryId, 70)).toEqual([]);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/forked\/tarball\//)).toHaveLength(0);

    world.github.setPullRequest('acme', 'forked', 70, {
      headSha: sha(1),
      labels: ['cd/preview'],
      fork,
    });
    await world.sendComment({
      ...pr,
      body: '/preview deploy',
      user: 'maintainer',
      commentId: 99_001,
    });
    await world.waitForComment(pr, /✅ ready \| `1111111`/);
    expect(await world.namespacesOf(base.repositoryId, 70)).toEqual(['forked-pr-70']);

    await world.send('synchronize', { ...pr, sha: sha(2), labels: ['cd/preview'], fork });
    const again = await world.waitForComment(pr, /approves commit `2222222`/);
    expect(again).toContain('✅ ready | `1111111`');
    const namespace = await world.k8s.core.readNamespace({ name: 'forked-pr-70' });
    expect(namespace.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(1));
    await world.send('closed', { ...pr, sha: sha(2), labels: ['cd/preview'], fork });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });
});
