import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'foo', repositoryId: 5001 };
const tenants = ['fr', 'be', 'hr', 'hu'];

beforeAll(async () => {
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: foo\ntenants: [fr, be, hr, hu]\n');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

describe('label cd/preview on a repository with tenants FR, BE, HR and HU', () => {
  const pr = { ...repo, number: 241 };

  it('deploys every tenant into its own namespace and lists the URLs in one comment', async () => {
    world.commit(repo, sha(1), 'foo');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });

    const body = await world.waitForComment(
      pr,
      ...tenants.map(
        (t) => new RegExp(`\\| ${t.toUpperCase()} \\| .* \\| ✅ ready \\| \`1111111\` \\|`),
      ),
    );
    for (const tenant of tenants) {
      expect(body).toContain(
        `[foo-241-${tenant}.preview.bar.com](https://foo-241-${tenant}.preview.bar.com)`,
      );
    }
    expect(await world.namespacesOf(repo.repositoryId, 241)).toEqual(
      tenants.map((t) => `foo-pr-241-${t}`).sort(),
    );

    for (const tenant of tenants) {
      const namespace = `foo-pr-241-${tenant}`;
      const ns = await world.k8s.core.readNamespace({ name: namespace });
      expect(ns.metadata?.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'pr-preview',
        'pr-preview.dev/repository-id': '5001',
        'pr-preview.dev/pull-request': '241',
        'pr-preview.dev/tenant': tenant,
      });
      expect(ns.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(1));

      const deployment = await eventually(`${tenant} Deployment Available`, async () => {
        const d = await world.k8s.apps.readNamespacedDeployment({ name: 'foo', namespace });
        const available = d.status?.conditions?.some(
          (c) => c.type === 'Available' && c.status === 'True',
        );
        return available && d.status?.readyReplicas === 3 ? d : undefined;
      });
      const container = deployment.spec?.template.spec?.containers[0];
      expect(container?.image).toBe(`registry.example.com/foo:${sha(1)}`);
      expect(container?.env).toContainEqual({ name: 'TENANT', value: tenant });
      expect(deployment.metadata?.labels).toMatchObject({ 'pr-preview.dev/tenant': tenant });
      expect(deployment.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(1));

      const ingress = await world.k8s.networking.readNamespacedIngress({
        name: 'foo-preview',
        namespace,
      });
      expect(ingress.spec?.ingressClassName).toBe('haproxy-v1');
      expect(ingress.metadata?.annotations?.['kubernetes.io/ingress.class']).toBeUndefined();
      expect(ingress.spec?.rules).toEqual([
        {
          host: `foo-241-${tenant}.preview.bar.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'foo-service', port: { name: 'nginx' } } },
              },
            ],
          },
        },
      ]);
    }
    // One chart download and one config read for four tenants.
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/foo\/tarball\//)).toHaveLength(1);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/foo\/contents\//)).toHaveLength(1);
  });

  it('does no work twice for a redelivered webhook', async () => {
    const before = world.github.calls.length;
    await world.send(
      'labeled',
      { ...pr, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
      'same-delivery',
    );
    await world.send(
      'labeled',
      { ...pr, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
      'same-delivery',
    );
    await eventually('one redeploy', async () =>
      world.github.callsMatching('GET', /^\/repos\/acme\/foo\/tarball\//).length === 2
        ? true
        : undefined,
    );
    await world.waitForComment(pr, /HU .* ✅ ready/);
    // Another job would have downloaded the chart again.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/foo\/tarball\//)).toHaveLength(2);
    expect(world.github.calls.length).toBeGreaterThan(before);
  });

  it('redeploys the new head SHA on synchronize and prunes objects the chart no longer renders', async () => {
    world.commit(repo, sha(2), 'foo', 'foo', {
      '.cloud/charts/foo/values-preview.yaml': 'replicaCount: 3\nextraConfig: true\n',
    });
    await world.send('synchronize', { ...pr, sha: sha(2), labels: ['cd/preview'] });
    await world.waitForComment(
      pr,
      ...tenants.map(
        (t) => new RegExp(`\\| ${t.toUpperCase()} \\| .* \\| ✅ ready \\| \`2222222\` \\|`),
      ),
    );
    const deployment = await world.k8s.apps.readNamespacedDeployment({
      name: 'foo',
      namespace: 'foo-pr-241-fr',
    });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(
      `registry.example.com/foo:${sha(2)}`,
    );
    const extra = await world.k8s.core.readNamespacedConfigMap({
      name: 'foo-extra',
      namespace: 'foo-pr-241-be',
    });
    expect(extra.data).toEqual({ tenant: 'be' });

    world.commit(repo, sha(3), 'foo');
    await world.send('synchronize', { ...pr, sha: sha(3), labels: ['cd/preview'] });
    await world.waitForComment(pr, /BE .* ✅ ready \| `3333333`/, /HU .* ✅ ready \| `3333333`/);
    const left = await world.k8s.core.listNamespacedConfigMap({
      namespace: 'foo-pr-241-be',
      labelSelector: 'pr-preview.dev/pull-request=241',
    });
    expect(left.items.map((c) => c.metadata?.name)).toEqual([]);
  });

  it('tears every preview down when the pull request is closed', async () => {
    await world.send('closed', { ...pr, sha: sha(3), labels: ['cd/preview'] });
    const body = await world.waitForComment(
      pr,
      ...tenants.map(
        (t) =>
          new RegExp(
            `\\| ${t.toUpperCase()} \\| ~~foo-241-${t}.preview.bar.com~~ \\| 🗑️ destroyed`,
          ),
      ),
    );
    expect(body).not.toContain('ready');
    for (const tenant of tenants) {
      await expect(
        world.k8s.core.readNamespace({ name: `foo-pr-241-${tenant}` }),
      ).rejects.toMatchObject({ code: 404 });
    }
    const comments = world.github.commentsOn('acme', 'foo', 241);
    expect(comments).toHaveLength(1);
    // As GitHub receives it: the commit links to its page there, and the comment says when it changed.
    expect(comments[0]?.body).toMatch(
      new RegExp(`\\[\`3333333\`\\]\\(http://${world.github.host}/acme/foo/commit/${sha(3)}\\)`),
    );
    expect(comments[0]?.body).toMatch(/^<sub>Updated \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/sub>$/m);
  });
});

describe('a single-tenant label', () => {
  const pr = { ...repo, number: 242 };

  it('deploys only that tenant, and removing the label destroys it', async () => {
    world.commit(repo, sha(4), 'foo');
    await world.send('labeled', {
      ...pr,
      sha: sha(4),
      labels: ['cd/preview:HR'],
      label: 'cd/preview:HR',
    });
    const body = await world.waitForComment(
      pr,
      /\| HR \| \[foo-242-hr\.preview\.bar\.com\]\(https:\/\/foo-242-hr\.preview\.bar\.com\) \| ✅ ready/,
    );
    expect(body).not.toMatch(/\| (FR|BE|HU) \|/);
    expect(await world.namespacesOf(repo.repositoryId, 242)).toEqual(['foo-pr-242-hr']);

    await world.send('unlabeled', { ...pr, sha: sha(4), labels: [], label: 'cd/preview:HR' });
    await world.waitForComment(pr, /\| HR \| .* \| 🗑️ destroyed/);
    expect(await world.namespacesOf(repo.repositoryId, 242)).toEqual([]);
  });
});

describe('a draft pull request', () => {
  const pr = { ...repo, number: 243 };

  it('waits, saying so, until it is ready for review; a push meanwhile deploys nothing', async () => {
    world.commit(repo, sha(5), 'foo');
    world.commit(repo, sha(6), 'foo');
    const labelled = { ...pr, labels: ['cd/preview:be'], draft: true };
    await world.send('labeled', { ...labelled, sha: sha(5), label: 'cd/preview:be' });
    const waiting = await world.waitForComment(pr, /is a draft/);
    expect(waiting).toContain(
      '> ⚠️ This pull request is a draft: its previews deploy once it is marked ready for review, or now with `/preview deploy`',
    );
    expect(waiting).not.toContain('Add the label');
    await world.send('synchronize', { ...labelled, sha: sha(6) });
    await eventually('the push planned', async () =>
      world.app.output.join('').includes('a draft pull request') ? true : undefined,
    );
    expect(await world.namespacesOf(repo.repositoryId, 243)).toEqual([]);

    await world.send('ready_for_review', { ...labelled, sha: sha(6), draft: false });
    const body = await world.waitForComment(pr, /\| BE \| .* \| ✅ ready \| `6666666` \|/);
    expect(body).not.toContain('is a draft');
    expect(await world.namespacesOf(repo.repositoryId, 243)).toEqual(['foo-pr-243-be']);
    await world.send('closed', { ...pr, sha: sha(6), labels: ['cd/preview:be'] });
    await world.waitForComment(pr, /\| BE \| .* \| 🗑️ destroyed/);
  });
});

describe('failures are explicit and leave nothing behind', () => {
  it('shows the helm error of a broken chart and applies nothing', async () => {
    const pr = { ...repo, number: 243 };
    world.commit(repo, sha(5), 'broken');
    await world.send('labeled', {
      ...pr,
      sha: sha(5),
      labels: ['cd/preview:fr'],
      label: 'cd/preview:fr',
    });
    const body = await world.waitForComment(
      pr,
      /\| FR \| .* \| ❌ failed: `helm template failed: /,
    );
    expect(body).toContain(
      '❌ failed: `helm template failed: parse error at (foo/templates/deployment.yaml:5): unclosed action',
    );
    expect(body).not.toContain('--debug');
    expect(body).not.toContain('/tmp/');
    expect(await world.namespacesOf(repo.repositoryId, 243)).toEqual([]);
  });

  it('shows what the API server rejected and removes the half-made preview', async () => {
    const pr = { ...repo, number: 244 };
    world.commit(repo, sha(6), 'foo', 'foo', {
      '.cloud/charts/foo/templates/bad-configmap.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  "not a valid key!": x\n',
    });
    await world.send('labeled', {
      ...pr,
      sha: sha(6),
      labels: ['cd/preview:be'],
      label: 'cd/preview:be',
    });
    const body = await world.waitForComment(
      pr,
      /\| BE \| .* \| ❌ failed: `the API server rejected ConfigMap 'bad': /,
    );
    expect(body).toContain('ConfigMap "bad" is invalid');
    expect(await world.namespacesOf(repo.repositoryId, 244)).toEqual([]);
    const deployments = await world.k8s.apps.listDeploymentForAllNamespaces({
      labelSelector: 'pr-preview.dev/pull-request=244',
    });
    expect(deployments.items).toEqual([]);
  });

  it('names the bad key of a broken configuration and deploys nothing', async () => {
    const bad = { owner: 'acme', repo: 'badconfig', repositoryId: 5002, number: 7 };
    world.github.setConfig('acme', 'badconfig', 'tenants: fr\ningres: {}\n');
    world.commit(bad, sha(7), 'foo', 'badconfig');
    await world.send('labeled', {
      ...bad,
      sha: sha(7),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(bad, /⚠️/);
    expect(body).toContain('> ⚠️ unknown key: `ingres`');
    expect(body).toContain('> ⚠️ `tenants`: Invalid input: expected array, received string');
    expect(await world.namespacesOf(5002, 7)).toEqual([]);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/badconfig\/tarball\//)).toHaveLength(
      0,
    );
  });

  it('explains YAML that does not parse', async () => {
    const bad = { owner: 'acme', repo: 'badyaml', repositoryId: 5003, number: 8 };
    world.github.setConfig('acme', 'badyaml', 'tenants: [fr\n');
    await world.send('labeled', {
      ...bad,
      sha: sha(8),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(bad, /⚠️/);
    expect(body).toMatch(/> ⚠️ `\.github\/preview\.yml` could not be read: /);
    expect(await world.namespacesOf(5003, 8)).toEqual([]);
  });
});

describe('a repository without tenants', () => {
  it('gets one preview per pull request at {app}-{pr}.{domain}', async () => {
    const solo = { owner: 'acme', repo: 'solo', repositoryId: 5004, number: 9 };
    world.github.setConfig('acme', 'solo', undefined);
    world.commit(solo, sha(9), 'foo', 'solo', {
      '.cloud/charts/solo/Chart.yaml': 'apiVersion: v2\nname: solo\nversion: 0.1.0\n',
    });
    await world.send('labeled', {
      ...solo,
      sha: sha(9),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(
      solo,
      /\| — \| \[solo-9\.preview\.bar\.com\]\(https:\/\/solo-9\.preview\.bar\.com\) \| ✅ ready/,
    );
    expect(await world.namespacesOf(5004, 9)).toEqual(['solo-pr-9']);
    const ingress = await world.k8s.networking.readNamespacedIngress({
      name: 'solo-preview',
      namespace: 'solo-pr-9',
    });
    expect(ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service).toEqual({
      name: 'solo-service',
      port: { name: 'nginx' },
    });
    await world.send('closed', { ...solo, sha: sha(9), labels: ['cd/preview'] });
    await world.waitForComment(solo, /🗑️ destroyed/);
    expect(await world.namespacesOf(5004, 9)).toEqual([]);
  });
});

describe('charts with dependencies and their own Ingress', () => {
  const umbrella = { owner: 'acme', repo: 'umbrella', repositoryId: 5005 };

  it('renders vendored subcharts and points the chart Ingress at the preview host', async () => {
    const pr = { ...umbrella, number: 10 };
    world.github.setConfig('acme', 'umbrella', 'app: umbrella\n');
    world.commit(umbrella, sha(10), 'umbrella', 'umbrella');
    await world.send('labeled', {
      ...pr,
      sha: sha(10),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /\| — \| \[umbrella-10\.preview\.bar\.com\]\(.*\) \| ✅ ready/);
    const namespace = 'umbrella-pr-10';
    const greeting = await world.k8s.core.readNamespacedConfigMap({
      name: 'umbrella-greeting',
      namespace,
    });
    expect(greeting.data).toEqual({ greeting: 'hello from the vendored subchart' });
    const ingresses = await world.k8s.networking.listNamespacedIngress({ namespace });
    expect(ingresses.items.map((i) => [i.metadata?.name, i.spec?.rules?.[0]?.host])).toEqual([
      ['umbrella-web', 'umbrella-10.preview.bar.com'],
    ]);
    await world.send('closed', { ...pr, sha: sha(10), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });

  it('explains that a dependency must be vendored instead of downloading it', async () => {
    const pr = { ...umbrella, number: 11 };
    world.commit(umbrella, sha(11), 'needs-download', 'umbrella');
    await world.send('labeled', {
      ...pr,
      sha: sha(11),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(pr, /❌ failed/);
    expect(body).toContain(
      'the chart needs dependencies that are not vendored (redis): run `helm dependency build` and commit the chart',
    );
    expect(await world.namespacesOf(umbrella.repositoryId, 11)).toEqual([]);
  });
});
