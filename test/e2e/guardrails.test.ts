import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'hostile', repositoryId: 9001 };

beforeAll(async () => {
  await world.start();
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
