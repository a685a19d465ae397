import { CoreV1Api, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderComment } from '../../src/github/comment-render.ts';
import { pullRequestPayload } from '../fixtures/webhook-payloads.ts';
import { hostileCorpus } from './hostile-corpus.ts';
import { eventually, kubeConfigAs } from './support/kube.ts';
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
    // The bed's pod (kwok) and service ranges.
    PREVIEW_CLUSTER_CIDRS: '10.0.0.0/16,10.96.0.0/16',
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

/** The namespaces the app's claims hold (none before the first deploy made the record). */
async function claimedNamespaces(): Promise<string[]> {
  const claims = await world.k8s.core
    .readNamespacedConfigMap({ name: 'pr-preview-app-1-claims', namespace: 'default' })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    });
  return Object.keys(JSON.parse(claims?.data?.claims ?? '{}') as object);
}

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
      const pods = await world.k8s.core.listPodForAllNamespaces({
        fieldSelector: `metadata.namespace=hostile-pr-${number}`,
      });
      expect(pods.items).toEqual([]);
      // The app's own records of the pull request (its comment) are no preview's objects.
      const leaked = await world.k8s.core.listConfigMapForAllNamespaces({
        labelSelector: `pr-preview.dev/repository-id=${repo.repositoryId},pr-preview.dev/pull-request=${number},!pr-preview.dev/record`,
      });
      expect(leaked.items).toEqual([]);
      // Nor does a refused preview keep a place under the caps or its host.
      expect(await claimedNamespaces()).not.toContain(`hostile-pr-${number}`);
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
      'ephemeral-storage': '50Mi',
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
    // Out: its own pods, the cluster's DNS, other namespaces but previews and the app's, and the
    // internet without cloud metadata addresses and the cluster's own ranges.
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec?.egress).toEqual([
      { to: [{ podSelector: {} }] },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      {
        to: [
          {
            namespaceSelector: {
              matchExpressions: [
                { key: 'app.kubernetes.io/managed-by', operator: 'NotIn', values: ['pr-preview'] },
                { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['default'] },
              ],
            },
          },
        ],
      },
      {
        to: [
          {
            ipBlock: {
              cidr: '0.0.0.0/0',
              except: ['169.254.0.0/16', '10.0.0.0/16', '10.96.0.0/16'],
            },
          },
          { ipBlock: { cidr: '::/0', except: ['fe80::/10'] } },
        ],
      },
    ]);
    // Pod Security: baseline enforced, restricted warned about and audited.
    const labels = (await world.k8s.core.readNamespace({ name: namespace })).metadata?.labels;
    expect(labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
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

describe('a fork approval binds to the commit the maintainer saw', () => {
  const base = { owner: 'acme', repo: 'pushy', repositoryId: 9005 };
  const fork = 'stranger/pushy';

  it('refuses to approve a head that GitHub says was pushed after the comment', async () => {
    const pr = { ...base, number: 71 };
    world.github.setConfig('acme', 'pushy', 'app: pushy\n');
    world.github.setPermission('acme', 'pushy', 'maintainer', 'maintain');
    world.commit(base, sha(6), 'foo', 'pushy');
    world.commit(base, sha(7), 'foo', 'pushy');
    await world.send('labeled', {
      ...pr,
      sha: sha(6),
      labels: ['cd/preview'],
      label: 'cd/preview',
      fork,
    });
    await world.waitForComment(pr, /approves commit `6666666`/);
    // The maintainer writes at 12:00:00; the fork pushes at 12:00:01, before the comment is handled.
    await world.send('synchronize', {
      ...pr,
      sha: sha(7),
      labels: ['cd/preview'],
      fork,
      updatedAt: '2026-12-01T12:00:01Z',
    });
    await world.sendComment({
      ...pr,
      body: '/preview deploy',
      user: 'maintainer',
      commentId: 99_071,
      createdAt: '2026-12-01T12:00:00Z',
    });
    const reply = await eventually('a reply', async () => world.replies(pr)[0]);
    expect(reply).toContain(
      'commit `7777777` was pushed after this comment was written, so it is not the one approved',
    );
    expect(await world.namespacesOf(base.repositoryId, 71)).toEqual([]);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/pushy\/tarball\//)).toHaveLength(0);
    await world.send('closed', { ...pr, sha: sha(7), labels: ['cd/preview'], fork });
  });
});

describe('only the app speaks for the app', () => {
  const base = { owner: 'acme', repo: 'forged', repositoryId: 9004 };
  const fork = 'stranger/forged';

  it("ignores an approval that another bot's comment carries, and writes its own comment", async () => {
    const pr = { ...base, number: 72 };
    world.github.setConfig('acme', 'forged', 'app: forged\n');
    world.commit(base, sha(3), 'foo', 'forged');
    // A CI bot that quotes user text: the marker and a state approving the fork's commit.
    const forged = world.github.addComment('acme', 'forged', 72, {
      body: renderComment({ rows: [], approvedSha: sha(3) }),
      user: { login: 'ci-summary[bot]', type: 'Bot' },
      performed_via_github_app: { id: 99, slug: 'ci-summary' },
    });
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
      fork,
    });
    const own = await world.waitForComment(pr, /⚠️/);
    expect(own).toContain('approves commit `3333333` with `/preview deploy`');
    expect(await world.namespacesOf(base.repositoryId, 72)).toEqual([]);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/forged\/tarball\//)).toHaveLength(0);
    expect(world.github.callsMatching('PATCH', new RegExp(`/comments/${forged.id}$`))).toEqual([]);
    expect(
      world.github.commentsOn('acme', 'forged', 72).find((c) => c.id === forged.id)?.body,
    ).toBe(forged.body);
  });
});

describe('one host, one preview', () => {
  const alpha = { owner: 'acme', repo: 'alpha', repositoryId: 9010 };
  const beta = { owner: 'acme', repo: 'beta', repositoryId: 9011 };

  it('refuses a host that another repository already serves; the first keeps answering on it', async () => {
    for (const repository of [alpha, beta]) {
      world.github.setConfig(
        'acme',
        repository.repo,
        `app: ${repository.repo}\nhost: 'shared-{pr}.{domain}'\n`,
      );
      world.commit(repository, sha(5), 'foo', repository.repo);
    }
    await world.send('labeled', {
      ...alpha,
      number: 5,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment({ ...alpha, number: 5 }, /✅ ready/);
    await world.send('labeled', {
      ...beta,
      number: 5,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment({ ...beta, number: 5 }, /❌ failed/);
    const refusal =
      'host `shared-5.preview.bar.com` is already served by the preview of acme/alpha#5 (namespace `alpha-pr-5`); give this repository a `host` template of its own in .github/preview.yml';
    expect(body).toContain(refusal);
    expect(logged(world.app.output.join(''))).toContain(refusal);
    expect(await world.namespacesOf(beta.repositoryId, 5)).toEqual([]);
    const ingresses = await world.k8s.networking.listIngressForAllNamespaces();
    const serving = ingresses.items.filter((i) =>
      i.spec?.rules?.some((r) => r.host === 'shared-5.preview.bar.com'),
    );
    expect(serving.map((i) => i.metadata?.namespace)).toEqual(['alpha-pr-5']);
    for (const repository of [alpha, beta]) {
      await world.send('closed', { ...repository, number: 5, sha: sha(5), labels: ['cd/preview'] });
    }
    await world.waitForComment({ ...alpha, number: 5 }, /🗑️ destroyed/);
  });
});

describe('claims are reserved, not only checked', () => {
  const gamma = { owner: 'acme', repo: 'gamma', repositoryId: 9013 };
  const delta = { owner: 'acme', repo: 'delta', repositoryId: 9014 };

  it('gives one host to exactly one of two repositories labelled at once, and tells the other', async () => {
    for (const repository of [gamma, delta]) {
      world.github.setConfig(
        'acme',
        repository.repo,
        `app: ${repository.repo}\nhost: 'race-{pr}.{domain}'\n`,
      );
      world.commit(repository, sha(9), 'foo', repository.repo);
    }
    await Promise.all(
      [gamma, delta].map((repository) =>
        world.send('labeled', {
          ...repository,
          number: 9,
          sha: sha(9),
          labels: ['cd/preview'],
          label: 'cd/preview',
        }),
      ),
    );
    const bodies = await Promise.all(
      [gamma, delta].map((repository) =>
        world.waitForComment({ ...repository, number: 9 }, /✅ ready|❌ failed/),
      ),
    );
    expect(bodies.filter((b) => b.includes('✅ ready'))).toHaveLength(1);
    const refused = bodies.find((b) => b.includes('❌ failed')) ?? '';
    expect(refused).toMatch(
      /host `race-9\.preview\.bar\.com` is already served by the preview of acme\/(gamma|delta)#9/,
    );
    const ingresses = await world.k8s.networking.listIngressForAllNamespaces();
    const serving = ingresses.items.filter((i) =>
      i.spec?.rules?.some((r) => r.host === 'race-9.preview.bar.com'),
    );
    expect(serving).toHaveLength(1);
    for (const repository of [gamma, delta]) {
      await world.send('closed', { ...repository, number: 9, sha: sha(9), labels: ['cd/preview'] });
    }
    await eventually('both cleaned up', async () =>
      (await world.namespacesOf(gamma.repositoryId, 9)).length +
        (await world.namespacesOf(delta.repositoryId, 9)).length ===
      0
        ? true
        : undefined,
    );
  });
});

describe('what a chart may grant its own pods', () => {
  const repository = { owner: 'acme', repo: 'reader', repositoryId: 9012 };

  it('lets a chart bind its ServiceAccount to a Role that lists Secrets, which reaches its own namespace only', async () => {
    const pr = { ...repository, number: 8 };
    world.github.setConfig('acme', 'reader', 'app: reader\n');
    world.commit(repository, sha(8), 'foo', 'reader', {
      '.cloud/charts/reader/templates/reader.yaml': [
        'apiVersion: v1',
        'kind: ServiceAccount',
        'metadata: { name: secret-reader }',
        'automountServiceAccountToken: true',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: Role',
        'metadata: { name: secret-reader }',
        'rules: [{ apiGroups: [""], resources: [secrets], verbs: [get, list] }]',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: RoleBinding',
        'metadata: { name: secret-reader }',
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader }',
        'subjects: [{ kind: ServiceAccount, name: secret-reader }]',
        '',
      ].join('\n'),
    });
    await world.send('labeled', {
      ...pr,
      sha: sha(8),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready/);

    // The token its pods would mount: it lists its own Secrets and nobody else's.
    const token = await world.k8s.core.createNamespacedServiceAccountToken({
      name: 'secret-reader',
      namespace: 'reader-pr-8',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const asPod = kubeConfigAs(world.k8s.kc, token.status?.token ?? '');
    const core = asPod.makeApiClient(CoreV1Api);
    const own = await core.listNamespacedSecret({ namespace: 'reader-pr-8' });
    expect(own.items.map((s) => s.metadata?.name)).toContain('registry-pull');
    await expect(core.listNamespacedSecret({ namespace: 'limited-pr-61' })).rejects.toMatchObject({
      code: 403,
    });
    await expect(core.listSecretForAllNamespaces()).rejects.toMatchObject({ code: 403 });
    await world.send('closed', { ...pr, sha: sha(8), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });
});
