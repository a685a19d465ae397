import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Two GitHub Apps running pr-preview against one cluster (production and
 * staging, say): each its own GitHub, App id and reconciler. Neither takes
 * the other's previews for orphans, and each repairs its own.
 */
const production = new PreviewWorld();
const staging = new PreviewWorld({
  id: 2,
  slug: 'pr-preview-staging',
  login: 'pr-preview-staging[bot]',
});
const alpha = { owner: 'acme', repo: 'alpha', repositoryId: 9211 };
const beta = { owner: 'acme', repo: 'beta', repositoryId: 9212 };
const reconciling = { PREVIEW_RECONCILE_INTERVAL: '2s' };

beforeAll(async () => {
  await Promise.all([production.start(reconciling), staging.start(reconciling)]);
  production.github.setConfig(alpha.owner, alpha.repo, 'app: alpha\n');
  production.github.addRepository(alpha.owner, alpha.repo, alpha.repositoryId);
  staging.github.setConfig(beta.owner, beta.repo, 'app: beta\n');
  staging.github.addRepository(beta.owner, beta.repo, beta.repositoryId);
}, 120_000);

afterAll(async () => {
  await Promise.all([production.stop(), staging.stop()]);
});

describe('two installations of the app on one cluster', () => {
  it('leave each other alone, lead each their own reconciler, and repair each their own', async () => {
    production.commit(alpha, sha(1), 'foo', 'alpha');
    staging.commit(beta, sha(2), 'foo', 'beta');
    await production.send('labeled', {
      ...alpha,
      number: 1,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await staging.send('labeled', {
      ...beta,
      number: 1,
      sha: sha(2),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await production.waitForComment({ ...alpha, number: 1 }, /✅ ready \| `1111111`/);
    await staging.waitForComment({ ...beta, number: 1 }, /✅ ready \| `2222222`/);
    const alphaNamespace = await production.k8s.core.readNamespace({ name: 'alpha-pr-1' });
    const betaNamespace = await production.k8s.core.readNamespace({ name: 'beta-pr-1' });
    expect(alphaNamespace.metadata?.labels?.['pr-preview.dev/instance']).toBe('app-1');
    expect(betaNamespace.metadata?.labels?.['pr-preview.dev/instance']).toBe('app-2');

    // Each reconciler leads under a Lease of its own, at once.
    const leases = production.k8s.kc.makeApiClient(CoordinationV1Api);
    for (const instance of ['app-1', 'app-2']) {
      await eventually(`the ${instance} reconciler leading`, async () => {
        const lease = await leases
          .readNamespacedLease({ name: `pr-preview-${instance}-reconciler`, namespace: 'default' })
          .catch(() => undefined);
        return lease?.spec?.holderIdentity ? true : undefined;
      });
    }
    // Several passes each: the other's preview is not theirs to judge.
    const passesOf = (world: PreviewWorld) =>
      world.app.logLines().filter((line) => line.msg === 'reconcile pass done').length;
    const before = [passesOf(production), passesOf(staging)];
    await eventually('three passes of each', async () =>
      passesOf(production) >= (before[0] ?? 0) + 3 && passesOf(staging) >= (before[1] ?? 0) + 3
        ? true
        : undefined,
    );
    expect(await production.namespacesOf(alpha.repositoryId, 1)).toEqual(['alpha-pr-1']);
    expect(await staging.namespacesOf(beta.repositoryId, 1)).toEqual(['beta-pr-1']);
    expect(
      staging.app
        .logLines()
        .some((line) => String(line.msg).includes('other installations of pr-preview')),
    ).toBe(true);

    // Closed on GitHub without a webhook: each app destroys its own, and only its own.
    production.github.setPullRequest(alpha.owner, alpha.repo, 1, {
      headSha: sha(1),
      state: 'closed',
      labels: ['cd/preview'],
    });
    await eventually(
      'alpha destroyed by its own app',
      async () =>
        (await production.namespacesOf(alpha.repositoryId, 1)).length === 0 ? true : undefined,
      60_000,
    );
    expect(await staging.namespacesOf(beta.repositoryId, 1)).toEqual(['beta-pr-1']);
    staging.github.setPullRequest(beta.owner, beta.repo, 1, {
      headSha: sha(2),
      state: 'closed',
      labels: ['cd/preview'],
    });
    await eventually(
      'beta destroyed by its own app',
      async () =>
        (await staging.namespacesOf(beta.repositoryId, 1)).length === 0 ? true : undefined,
      60_000,
    );
    await production.waitForComment({ ...alpha, number: 1 }, /destroyed/);
    await staging.waitForComment({ ...beta, number: 1 }, /destroyed/);
  });
});
