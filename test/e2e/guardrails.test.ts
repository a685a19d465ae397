import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
}, 120_000);

afterAll(async () => {
  await world.stop();
});

const template = (body: string) => ({ '.cloud/charts/hostile/templates/hostile.yaml': body });
const aliasBomb = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata: { name: bomb }',
  'data:',
  '  a: &a [x, x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 7 }, (_, i) => {
    const from = String.fromCharCode(97 + i);
    const to = String.fromCharCode(98 + i);
    return `  ${to}: &${to} [${Array(10).fill(`*${from}`).join(', ')}]`;
  }),
].join('\n');

/** Charts a pull request could push, each of which must end in a clear refusal and nothing applied. */
const hostile: [string, Record<string, string>, string][] = [
  [
    'a ClusterRole',
    template(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: escalate }\nrules: []\n',
    ),
    'ClusterRole `escalate` is cluster-scoped',
  ],
  [
    'a ClusterRoleBinding',
    template(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: escalate }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: []\n',
    ),
    'ClusterRoleBinding `escalate` is cluster-scoped',
  ],
  [
    'a Namespace',
    template('apiVersion: v1\nkind: Namespace\nmetadata: { name: other }\n'),
    'Namespace `other` is cluster-scoped',
  ],
  [
    'a CustomResourceDefinition',
    template(
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec: {}\n',
    ),
    'CustomResourceDefinition `widgets.example.com` is cluster-scoped',
  ],
  [
    'a PersistentVolume',
    template('apiVersion: v1\nkind: PersistentVolume\nmetadata: { name: steal }\nspec: {}\n'),
    'PersistentVolume `steal` is cluster-scoped',
  ],
  [
    'a webhook configuration',
    template(
      'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: { name: intercept }\nwebhooks: []\n',
    ),
    'MutatingWebhookConfiguration `intercept` is cluster-scoped',
  ],
  [
    'an object for another namespace',
    template(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: sneaky, namespace: kube-system }\n',
    ),
    'ConfigMap `sneaky` asks for namespace `kube-system`',
  ],
  [
    'a RoleBinding to cluster-admin',
    template(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: admin }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: hostile-pr-1 }]\n',
    ),
    'RoleBinding `admin` binds ClusterRole `cluster-admin`',
  ],
  [
    'a kind not on the allowlist',
    template(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: bare }\nspec: { containers: [{ name: x, image: x }] }\n',
    ),
    "Pod `bare`: kind Pod is not on the app's list of allowed kinds",
  ],
  [
    'a kind the cluster does not know',
    template('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n'),
    'Widget `w`: the cluster does not know kind Widget in example.com/v1',
  ],
  // helm's own YAML reader refuses it first; the app's guard stands behind it.
  ['an alias bomb', template(aliasBomb), 'document contains excessive aliasing'],
  ['a chart path leaving the repository', {}, 'must be a relative path inside the repository'],
];

describe('a pull request cannot put just anything into the cluster', () => {
  it.each(hostile.map(([what, files, message], i) => [what, files, message, i + 1] as const))(
    'refuses %s, says why, and applies nothing',
    async (what, files, message, number) => {
      const pr = { ...repo, number };
      if (what === 'a chart path leaving the repository') {
        world.github.setConfig(repo.owner, repo.repo, 'app: hostile\nchart: ../../etc\n');
      } else {
        world.github.setConfig(repo.owner, repo.repo, 'app: hostile\n');
      }
      world.commit(repo, sha(number % 10), 'foo', 'hostile', files);
      await world.send('labeled', {
        ...pr,
        sha: sha(number % 10),
        labels: ['cd/preview'],
        label: 'cd/preview',
      });
      const body = await world.waitForComment(pr, /❌ failed|⚠️/);
      expect(body).toContain(message);
      expect(await world.namespacesOf(repo.repositoryId, number)).toEqual([]);
      const leaked = await world.k8s.core.listConfigMapForAllNamespaces({
        labelSelector: `pr-preview.dev/repository-id=${repo.repositoryId},pr-preview.dev/pull-request=${number}`,
      });
      expect(leaked.items).toEqual([]);
    },
  );

  it('lists every refused object of one chart', async () => {
    const pr = { ...repo, number: 50 };
    world.github.setConfig(repo.owner, repo.repo, 'app: hostile\n');
    world.commit(
      repo,
      sha(5),
      'foo',
      'hostile',
      template(
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: b }\nspec: { containers: [{ name: x, image: x }] }\n',
      ),
    );
    await world.send('labeled', {
      ...pr,
      sha: sha(5),
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
