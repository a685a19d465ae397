import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseKubernetesYaml } from '../../src/deploy/kubernetes-yaml.ts';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { eventually, namespaceGone } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';
import { checkoutOf, renderCommandWith } from './support/render-command.ts';
import { jobEnded, WatchLog, type Seen } from './support/watch-log.ts';
import { previewFences } from '../support/preview-fences.ts';

/**
 * The ledger chart (test/fixtures/charts/ledger) runs migrations as helm
 * hooks. Order is read back from the API server: a watch records every
 * change with its store revision, which orders changes across kinds.
 */
const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'ledger', repositoryId: 7101 };
const watched = [
  '/apis/batch/v1/jobs',
  '/api/v1/pods',
  '/apis/apps/v1/deployments',
  '/api/v1/configmaps',
  '/api/v1/serviceaccounts',
  '/api/v1/namespaces',
  '/api/v1/resourcequotas',
  '/api/v1/limitranges',
  '/apis/networking.k8s.io/v1/networkpolicies',
  '/apis/rbac.authorization.k8s.io/v1/rolebindings',
];
let watch: WatchLog | undefined;

beforeAll(async () => {
  // Bare Pods are not on the app's default list; the ledger's preflight hook is one.
  await world.start({
    PREVIEW_ALLOWED_KINDS: [...defaultGuardrails.allowedKinds, 'Pod'].join(','),
  });
  world.github.setConfig(repo.owner, repo.repo, 'app: ledger\nrolloutTimeout: 60s\n');
}, 120_000);

afterEach(() => watch?.stop());

afterAll(async () => {
  await world.stop();
});

async function watchPullRequest(number: number): Promise<WatchLog> {
  watch = await WatchLog.start(
    world.k8s.kc,
    watched,
    `pr-preview.dev/repository-id=${repo.repositoryId},pr-preview.dev/pull-request=${number}`,
  );
  return watch;
}

const named = (kind: string, name: string) => (s: Seen) => s.kind === kind && s.name === name;
const added = (kind: string, name: string) => (s: Seen) =>
  s.type === 'ADDED' && named(kind, name)(s);
const deleted = (kind: string, name: string) => (s: Seen) =>
  s.type === 'DELETED' && named(kind, name)(s);
const completed = (name: string) => (s: Seen) =>
  named('Job', name)(s) && s.type !== 'DELETED' && jobEnded(s, 'Complete');
const deploymentAvailable = (s: Seen) =>
  named('Deployment', 'ledger')(s) &&
  s.object.status?.availableReplicas >= 2 &&
  s.object.status?.updatedReplicas >= 2 &&
  s.object.status?.observedGeneration >= (s.object.metadata?.generation ?? 0);

/** The revision of the first change that matches; fails naming what was not seen. */
function at(log: WatchLog, what: string, match: (s: Seen) => boolean): number {
  const seen = log.first(match);
  if (!seen) {
    throw new Error(
      `never saw ${what}; saw:\n${log.seen.map((s) => `${s.revision} ${s.type} ${s.kind}/${s.name}`).join('\n')}`,
    );
  }
  return seen.revision;
}

describe('helm hooks, as helm upgrade --install runs them', () => {
  const pr = { ...repo, number: 1 };
  const namespace = 'ledger-pr-1';
  let firstMigrate: string | undefined;
  let firstDeployment: string | undefined;
  let firstReindex: string | undefined;
  let firstNotify: string | undefined;

  it('on install, runs pre-install hooks by weight before the release and post-install hooks after its rollout', async () => {
    const log = await watchPullRequest(1);
    world.commit(repo, sha(1), 'ledger', 'ledger');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `1111111` \|/);

    // Pre-install hooks by weight: the ServiceAccount (-10), the ConfigMap
    // (-5), the preflight Pod (-1), then the migration Job (0), each done
    // before the next starts, all before the release's first object.
    const order = [
      at(log, 'the migrator ServiceAccount', added('ServiceAccount', 'ledger-migrator')),
      at(log, 'the migrations ConfigMap', added('ConfigMap', 'ledger-migrations')),
      at(log, 'the preflight Pod', added('Pod', 'ledger-preflight')),
      at(
        log,
        'the preflight Pod succeeding',
        (s) => named('Pod', 'ledger-preflight')(s) && s.object.status?.phase === 'Succeeded',
      ),
      at(log, 'the migration Job', added('Job', 'ledger-migrate')),
      at(log, 'the migration completing', completed('ledger-migrate')),
      at(log, 'the API Deployment', added('Deployment', 'ledger')),
      at(log, 'the API Deployment available', deploymentAvailable),
      at(log, 'the notify Job (weight 0)', added('Job', 'ledger-notify')),
      at(log, 'the notify Job completing', completed('ledger-notify')),
      at(log, 'the seed Job (weight 5)', added('Job', 'ledger-seed')),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // A hook is the chart's code as much as the release: the app's fences
    // (isolation, quota, limits, the reader) stand before the first one runs.
    const firstHook = at(log, 'the first hook', added('ServiceAccount', 'ledger-migrator'));
    for (const fence of previewFences) {
      const [kind, name] = fence.split('/') as [string, string];
      expect(at(log, fence, added(kind, name)), fence).toBeLessThan(firstHook);
    }

    // hook-succeeded: gone once the hooks of their event all succeeded.
    expect(
      at(log, 'the ConfigMap deleted', deleted('ConfigMap', 'ledger-migrations')),
    ).toBeGreaterThan(at(log, 'the migration completing', completed('ledger-migrate')));
    await eventually('the seed Job removed after it succeeded', async () =>
      log.first(deleted('Job', 'ledger-seed')) ? true : undefined,
    );
    expect(log.first(deleted('Pod', 'ledger-preflight'))).toBeDefined();

    // before-hook-creation (the default) and hook-failed keep succeeded hooks.
    const jobs = await world.k8s.batch.listNamespacedJob({ namespace });
    const byName = new Map(jobs.items.map((j) => [j.metadata?.name, j]));
    expect([...byName.keys()].sort()).toEqual([
      'ledger-migrate',
      'ledger-notify',
      'ledger-reindex',
    ]);
    firstMigrate = byName.get('ledger-migrate')?.metadata?.uid;
    firstNotify = byName.get('ledger-notify')?.metadata?.uid;
    firstReindex = byName.get('ledger-reindex')?.metadata?.uid;
    firstDeployment = (await world.k8s.apps.readNamespacedDeployment({ name: 'ledger', namespace }))
      .metadata?.uid;
    await world.k8s.core.readNamespacedServiceAccount({ name: 'ledger-migrator', namespace });

    // Never run: the pre-delete hook (not yet), post-delete and test hooks.
    for (const name of ['ledger-drain', 'ledger-goodbye']) {
      expect(log.first(named('Job', name))).toBeUndefined();
    }
    expect(log.first(named('Pod', 'ledger-test-connection'))).toBeUndefined();

    // Hooks are not part of the release: never pruned, never drift.
    const ns = await world.k8s.core.readNamespace({ name: namespace });
    const inventory = JSON.parse(
      ns.metadata?.annotations?.['pr-preview.dev/inventory'] ?? '[]',
    ) as {
      kind: string;
      name: string;
    }[];
    expect(inventory.map((r) => `${r.kind}/${r.name}`)).toEqual([
      ...previewFences,
      'Service/ledger-service',
      'Deployment/ledger',
      'Job/ledger-reindex',
      'Ingress/ledger-preview',
    ]);
  });

  it('on a push, runs pre-upgrade hooks again before the new release, never post-install ones, and replaces what cannot be updated', async () => {
    const log = await watchPullRequest(1);
    // The Deployment's selector changes: a field no Deployment lets change.
    world.commit(repo, sha(2), 'ledger', 'ledger', {
      '.cloud/charts/ledger/values-preview.yaml': 'track: canary\n',
    });
    await world.send('synchronize', { ...pr, sha: sha(2), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `2222222` \|/);

    const migrate = await world.k8s.batch.readNamespacedJob({ name: 'ledger-migrate', namespace });
    expect(migrate.metadata?.uid).not.toBe(firstMigrate);
    const deployment = await world.k8s.apps.readNamespacedDeployment({ name: 'ledger', namespace });
    expect(deployment.metadata?.uid).not.toBe(firstDeployment);
    expect(deployment.spec?.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'ledger',
      track: 'canary',
    });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(
      `registry.example.com/ledger:${sha(2)}`,
    );
    // The release's own Job names the commit in its template: replaced too.
    const reindex = await world.k8s.batch.readNamespacedJob({ name: 'ledger-reindex', namespace });
    expect(reindex.metadata?.uid).not.toBe(firstReindex);
    expect(reindex.spec?.template.metadata?.annotations?.['ledger.example.com/commit']).toBe(
      sha(2),
    );
    // A hook kept after success (hook-failed only) is replaced, not refused as "already exists".
    const notify = await world.k8s.batch.readNamespacedJob({ name: 'ledger-notify', namespace });
    expect(notify.metadata?.uid).not.toBe(firstNotify);

    const migrated = at(
      log,
      'the new migration completing',
      (s) => completed('ledger-migrate')(s) && s.object.metadata?.uid === migrate.metadata?.uid,
    );
    const newRelease = at(
      log,
      'the new Deployment',
      (s) =>
        added('Deployment', 'ledger')(s) && s.object.metadata?.uid === deployment.metadata?.uid,
    );
    const available = at(
      log,
      'the new Deployment available',
      (s) => deploymentAvailable(s) && s.object.metadata?.uid === deployment.metadata?.uid,
    );
    const notified = at(
      log,
      'the new notify Job',
      (s) => added('Job', 'ledger-notify')(s) && s.object.metadata?.uid === notify.metadata?.uid,
    );
    expect(migrated).toBeLessThan(newRelease);
    expect(available).toBeLessThan(notified);
    // post-install only: the seed ran once, at the install.
    expect(log.first(named('Job', 'ledger-seed'))).toBeUndefined();
  });

  it('stops an upgrade whose pre-upgrade hook fails before anything of the release changes, and the next push recovers', async () => {
    world.commit(repo, sha(3), 'ledger', 'ledger', {
      '.cloud/charts/ledger/values-preview.yaml': 'track: canary\nmigration: { exitCode: "3" }\n',
    });
    await world.send('synchronize', { ...pr, sha: sha(3), labels: ['cd/preview'] });
    const body = await world.waitForComment(
      pr,
      /\| — \| .* \| ❌ failed: `pre-upgrade hook Job 'ledger-migrate' failed: BackoffLimitExceeded/,
    );
    expect(body).toMatch(/container migrate of pod ledger-migrate-\w+ exited with code 3/);

    // The release stays at the last good commit; the failed hook stays to be looked at.
    const deployment = await world.k8s.apps.readNamespacedDeployment({ name: 'ledger', namespace });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(
      `registry.example.com/ledger:${sha(2)}`,
    );
    const reindex = await world.k8s.batch.readNamespacedJob({ name: 'ledger-reindex', namespace });
    expect(reindex.spec?.template.metadata?.annotations?.['ledger.example.com/commit']).toBe(
      sha(2),
    );
    const migrate = await world.k8s.batch.readNamespacedJob({ name: 'ledger-migrate', namespace });
    expect(migrate.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', status: 'True' }),
    );
    const ns = await world.k8s.core.readNamespace({ name: namespace });
    expect(ns.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(2));
    expect(ns.metadata?.annotations?.['pr-preview.dev/deploying-sha'] ?? '').toBe('');

    world.commit(repo, sha(4), 'ledger', 'ledger', {
      '.cloud/charts/ledger/values-preview.yaml': 'track: canary\n',
    });
    await world.send('synchronize', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `4444444` \|/);
    const fixed = await world.k8s.apps.readNamespacedDeployment({ name: 'ledger', namespace });
    expect(fixed.spec?.template.spec?.containers[0]?.image).toBe(
      `registry.example.com/ledger:${sha(4)}`,
    );
  });

  it('is what pr-preview render prints for the same commit: the same objects and hooks', async () => {
    const checkout = await checkoutOf('ledger', 'ledger', 'app: ledger\nrolloutTimeout: 60s\n');
    try {
      await writeFile(
        join(checkout, '.cloud/charts/ledger/values-preview.yaml'),
        'track: canary\n',
      );
      const { code, stdout, stderr } = renderCommandWith(
        { PREVIEW_ALLOWED_KINDS: [...defaultGuardrails.allowedKinds, 'Pod'].join(',') },
        ...['--repo-dir', checkout, '--repository', 'acme/ledger', '--pr', '1'],
        ...['--sha', sha(4), '--upgrade', '--kubeconfig', world.kubeconfig],
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const printed = parseKubernetesYaml(stdout).filter(Boolean) as KubernetesObject[];
      const ns = await world.k8s.core.readNamespace({ name: namespace });
      const applied = (
        JSON.parse(ns.metadata?.annotations?.['pr-preview.dev/inventory'] ?? '[]') as {
          kind: string;
          name: string;
        }[]
      ).map((r) => `${r.kind}/${r.name}`);
      const hooks = [
        'ServiceAccount/ledger-migrator',
        'ConfigMap/ledger-migrations',
        'Pod/ledger-preflight',
        'Job/ledger-migrate',
        'Job/ledger-notify',
        'Job/ledger-drain',
      ];
      expect(printed.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(
        [...applied, ...hooks].sort(),
      );
      const deployment = printed.find((o) => o.kind === 'Deployment') as V1Deployment;
      const stored = await world.k8s.apps.readNamespacedDeployment({ name: 'ledger', namespace });
      expect(deployment.spec?.selector).toEqual(stored.spec?.selector);
      expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(
        stored.spec?.template.spec?.containers[0]?.image,
      );
      expect(stdout).toMatch(/^# hook: pre-upgrade, weight 0, .*\n(kind|apiVersion): /m);
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
  });

  it('on close, runs pre-delete hooks before the namespace is deleted, and never post-delete ones', async () => {
    const log = await watchPullRequest(1);
    await world.send('closed', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| ~~.*~~ \| 🗑️ destroyed/);
    await eventually('the namespace gone', async () =>
      (await namespaceGone(world.k8s.core, namespace)) ? true : undefined,
    );
    const drained = at(log, 'the drain Job completing', completed('ledger-drain'));
    const deleting = at(
      log,
      'the namespace being deleted',
      (s) => named('Namespace', namespace)(s) && Boolean(s.object.metadata?.deletionTimestamp),
    );
    expect(drained).toBeLessThan(deleting);
    expect(log.first(named('Job', 'ledger-goodbye'))).toBeUndefined();
  });
});

describe('a pre-install hook that fails', () => {
  const pr = { ...repo, number: 2 };

  it('leaves no preview, names the hook and why; a second push installs', async () => {
    const log = await watchPullRequest(2);
    world.commit(repo, sha(5), 'ledger', 'ledger', {
      '.cloud/charts/ledger/values-preview.yaml': 'migration: { exitCode: "3" }\n',
    });
    await world.send('labeled', {
      ...pr,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(
      pr,
      /\| — \| .* \| ❌ failed: `pre-install hook Job 'ledger-migrate' failed: BackoffLimitExceeded/,
    );
    expect(body).toMatch(/exited with code 3/);
    expect(await world.namespacesOf(repo.repositoryId, 2)).toEqual([]);
    // Nothing of the release was ever created: only the hooks up to the failed one.
    expect(log.first(named('Deployment', 'ledger'))).toBeUndefined();
    expect(log.first(named('Job', 'ledger-reindex'))).toBeUndefined();

    world.commit(repo, sha(6), 'ledger', 'ledger');
    await world.send('synchronize', { ...pr, sha: sha(6), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `6666666` \|/);
    // Still a first install: the post-install seed runs.
    await eventually('the seed ran', async () =>
      log.first(completed('ledger-seed')) ? true : undefined,
    );
  });

  it('reports a pre-delete hook that fails, and destroys the preview all the same', async () => {
    world.commit(repo, sha(7), 'ledger', 'ledger', {
      '.cloud/charts/ledger/values-preview.yaml': 'drain: { exitCode: "4" }\n',
    });
    await world.send('synchronize', { ...pr, sha: sha(7), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `7777777` \|/);
    await world.send('closed', { ...pr, sha: sha(7), labels: ['cd/preview'] });
    const body = await world.waitForComment(
      pr,
      /\| — \| ~~.*~~ \| 🗑️ destroyed \(pre-delete hook Job `ledger-drain` failed: BackoffLimitExceeded/,
    );
    expect(body).not.toContain('ready');
    await eventually('the namespace gone', async () =>
      (await namespaceGone(world.k8s.core, 'ledger-pr-2')) ? true : undefined,
    );
  });
});
