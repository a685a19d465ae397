import { V1MicroTime } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestPayload } from '../fixtures/webhook-payloads.ts';
import { AppProcess, webhookSecret } from './support/app-process.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Acknowledged means durable: what the app answered 200 for is carried out
 * even when the process dies right after, and what GitHub could not deliver
 * while it was away is asked for again when it starts.
 */
const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'durable', repositoryId: 9111 };
const appNamespace = 'default';

beforeAll(async () => {
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: durable\n');
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.github.setPermission(repo.owner, repo.repo, 'writer', 'write');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

const jobRecords = async () =>
  (
    await world.k8s.core.listNamespacedConfigMap({
      namespace: appNamespace,
      labelSelector: 'pr-preview.dev/record=job',
    })
  ).items;

const batchRecords = async () =>
  (
    await world.k8s.core.listNamespacedConfigMap({
      namespace: appNamespace,
      labelSelector: 'pr-preview.dev/record=batch',
    })
  ).items;

describe('work acknowledged to GitHub', () => {
  it('is carried out by the next start when the app is killed right after acknowledging /preview deploy', async () => {
    const pr = { ...repo, number: 1 };
    world.commit(repo, sha(1), 'foo', 'durable');
    world.github.setPullRequest(repo.owner, repo.repo, 1, { headSha: sha(1) });
    await world.sendComment({
      ...pr,
      body: '/preview deploy',
      user: 'writer',
      commentId: 91_001,
    });
    await world.app.kill();
    // Answered 200: recorded in the cluster before the answer, and not done.
    const recorded = await jobRecords();
    expect(recorded).toHaveLength(1);
    expect(JSON.parse(recorded[0]?.data?.job ?? '{}')).toMatchObject({
      number: 1,
      work: { kind: 'command', commentId: 91_001, author: 'writer' },
    });
    expect(await world.namespacesOf(repo.repositoryId, 1)).toEqual([]);

    const restarted = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' });
    try {
      await eventually(
        'the preview deployed by the restarted app',
        async () => ((world.commentBody(pr) ?? '').includes('✅ ready') ? true : undefined),
        150_000,
      );
      expect(await world.namespacesOf(repo.repositoryId, 1)).toEqual(['durable-pr-1']);
      await eventually('the command answered once, and its record gone', async () => {
        const reactions = world.github.reactionsTo(91_001);
        return reactions.includes('rocket') && (await jobRecords()).length === 0 ? true : undefined;
      });
      expect(world.github.reactionsTo(91_001).filter((r) => r === 'rocket')).toHaveLength(1);
    } finally {
      await restarted.stop();
    }
  });

  it('carries out every job of a burst acknowledged together, though the app was killed before it split them', async () => {
    const numbers = [11, 12, 13, 14, 15];
    for (const number of numbers) {
      world.commit(repo, sha(number), 'foo', 'durable');
      world.github.setPullRequest(repo.owner, repo.repo, number, { headSha: sha(number) });
    }
    const burst = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' });
    await Promise.all(
      numbers.map((number) =>
        world.sendComment(
          { ...repo, number, body: '/preview deploy', user: 'writer', commentId: 92_000 + number },
          burst,
        ),
      ),
    );
    await burst.kill();
    // A replica killed after storing a batch, and before its jobs had records of their own.
    const left = {
      repository: {
        id: repo.repositoryId,
        owner: repo.owner,
        name: repo.repo,
        installationId: 4242,
      },
      number: 16,
      delivery: 'left-in-a-batch',
      acceptedAt: Date.now(),
      attempts: 0,
      work: {
        kind: 'pull_request',
        event: {
          action: 'labeled',
          label: 'cd/preview',
          labels: ['cd/preview'],
          headSha: sha(16),
          state: 'open',
          fromFork: false,
        },
      },
    };
    world.commit(repo, sha(16), 'foo', 'durable');
    world.github.setPullRequest(repo.owner, repo.repo, 16, {
      headSha: sha(16),
      labels: ['cd/preview'],
    });
    await world.k8s.core.createNamespacedConfigMap({
      namespace: appNamespace,
      body: {
        metadata: {
          name: `pr-preview-app-${world.github.app.id}-jobs-left`,
          labels: {
            'pr-preview.dev/record': 'batch',
            'pr-preview.dev/instance': `app-${world.github.app.id}`,
          },
        },
        data: { [`pr-preview-app-${world.github.app.id}-job-left`]: JSON.stringify(left) },
      },
    });
    // Every acknowledged job is in the cluster, in a record of its own or in a batch (or both,
    // when the replica died between making the records and deleting the batch): by job name.
    const stored = new Map<string, number>();
    for (const item of await jobRecords()) {
      stored.set(item.metadata?.name ?? '', JSON.parse(item.data?.job ?? '{}').number);
    }
    for (const item of await batchRecords()) {
      for (const [name, text] of Object.entries(item.data ?? {})) {
        stored.set(name, (JSON.parse(text) as { number: number }).number);
      }
    }
    expect([...stored.values()].sort((a, b) => a - b)).toEqual([...numbers, 16]);
    // Older than a live replica's batch ever is: the start splits it.
    await sleep(11_000);

    const restarted = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' });
    try {
      for (const number of [...numbers, 16]) {
        await world.waitForComment({ ...repo, number }, /✅ ready/);
      }
      for (const number of [...numbers, 16]) {
        expect(await world.namespacesOf(repo.repositoryId, number)).toEqual([
          `durable-pr-${number}`,
        ]);
      }
      await eventually('every record and batch gone', async () =>
        (await jobRecords()).length + (await batchRecords()).length === 0 ? true : undefined,
      );
      for (const number of numbers) {
        expect(
          world.github.reactionsTo(92_000 + number).filter((r) => r === 'rocket'),
        ).toHaveLength(1);
      }
    } finally {
      await restarted.stop();
    }
  });

  it('asks GitHub at start for the deliveries that failed while the app was down, once, though a replica died looking', async () => {
    const pr = { ...repo, number: 2 };
    world.commit(repo, sha(2), 'foo', 'durable');
    world.github.setPullRequest(repo.owner, repo.repo, 2, {
      headSha: sha(2),
      labels: ['cd/preview'],
    });
    // Nothing answers: the app is down (killed in the test above, or now).
    world.github.hooks.target = undefined;
    world.github.hooks.url = 'http://127.0.0.1:9/api/github/webhooks';
    world.github.hooks.secret = webhookSecret;
    const labeled = pullRequestPayload('labeled', {
      ...pr,
      sha: sha(2),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    expect(await world.github.hooks.deliver('pull_request', labeled)).toBe(0);
    // A replica was killed while it looked through the deliveries: its Lease is left, just renewed.
    const look = `pr-preview-app-${world.github.app.id}-deliveries-look`;
    await world.k8s.objects
      .delete({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: look, namespace: appNamespace },
      })
      .catch(() => undefined);
    await world.k8s.objects.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: look, namespace: appNamespace },
      spec: {
        holderIdentity: 'killed-while-looking',
        leaseDurationSeconds: 30,
        acquireTime: new V1MicroTime(),
        renewTime: new V1MicroTime(),
        leaseTransitions: 0,
      },
    });

    const started = new AppProcess();
    world.github.hooks.target = () => `http://127.0.0.1:${started.port}/api/github/webhooks`;
    await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' }, started);
    try {
      await world.waitForComment(pr, /✅ ready \| `2222222`/);
      const attempts = world.github.hooks.list().filter((d) => d.event === 'pull_request');
      expect(attempts.map((d) => [d.redelivery, d.status_code])).toEqual([
        [true, 200],
        [false, 0],
      ]);
      expect(
        world.github.callsMatching('POST', /^\/app\/hook\/deliveries\/\d+\/attempts$/),
      ).toHaveLength(1);
      // The look given up once made, and the mark moved past the failed delivery.
      const mark = await world.k8s.core.readNamespacedConfigMap({
        name: `pr-preview-app-${world.github.app.id}-deliveries`,
        namespace: appNamespace,
      });
      expect(Number(mark.data?.['checked-through'])).toBeGreaterThan(
        Date.parse(attempts[1]?.delivered_at ?? ''),
      );
      await expect(
        world.k8s.objects.read({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: look, namespace: appNamespace },
        }),
      ).rejects.toMatchObject({ code: 404 });
    } finally {
      await started.stop();
    }

    // Started again: the window was looked through, nothing is asked for twice.
    const again = new AppProcess();
    world.github.hooks.target = () => `http://127.0.0.1:${again.port}/api/github/webhooks`;
    await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' }, again);
    try {
      await eventually('the deliveries looked through again', async () =>
        world.github.callsMatching('GET', /^\/app\/hook\/deliveries$/).length >= 2
          ? true
          : undefined,
      );
      expect(
        world.github.callsMatching('POST', /^\/app\/hook\/deliveries\/\d+\/attempts$/),
      ).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });
});

describe('data', () => {
  it('keeps a PersistentVolumeClaim marked helm.sh/resource-policy: keep that a push no longer renders', async () => {
    const restarted = await world.replica({ PREVIEW_RECONCILE_INTERVAL: '0' });
    const pr = { ...repo, number: 3 };
    const claim = [
      'apiVersion: v1',
      'kind: PersistentVolumeClaim',
      'metadata:',
      '  name: registry-data',
      '  annotations:',
      '    helm.sh/resource-policy: keep',
      'spec:',
      '  accessModes: [ReadWriteOnce]',
      '  resources: { requests: { storage: 1Gi } }',
      '',
    ].join('\n');
    world.commit(repo, sha(3), 'foo', 'durable', {
      '.cloud/charts/durable/templates/claim.yaml': claim,
    });
    world.commit(repo, sha(4), 'foo', 'durable');
    try {
      await world.send(
        'labeled',
        { ...pr, sha: sha(3), labels: ['cd/preview'], label: 'cd/preview' },
        undefined,
        restarted,
      );
      await world.waitForComment(pr, /✅ ready \| `3333333`/);
      const before = await world.k8s.core.readNamespacedPersistentVolumeClaim({
        name: 'registry-data',
        namespace: 'durable-pr-3',
      });
      await world.send(
        'synchronize',
        { ...pr, sha: sha(4), labels: ['cd/preview'] },
        undefined,
        restarted,
      );
      await world.waitForComment(pr, /✅ ready \| `4444444`/);
      const after = await world.k8s.core.readNamespacedPersistentVolumeClaim({
        name: 'registry-data',
        namespace: 'durable-pr-3',
      });
      expect(after.metadata?.uid).toBe(before.metadata?.uid);
      expect(after.metadata?.deletionTimestamp).toBeUndefined();
      // What the push no longer renders and does not keep is pruned as before.
      const inventory = JSON.parse(
        (await world.k8s.core.readNamespace({ name: 'durable-pr-3' })).metadata?.annotations?.[
          'pr-preview.dev/inventory'
        ] ?? '[]',
      ) as { kind: string; name: string; keep?: true }[];
      expect(inventory.find((ref) => ref.name === 'registry-data')).toBeUndefined();
    } finally {
      await restarted.stop();
    }
  });
});
