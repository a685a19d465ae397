import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stateDir } from '../cluster/bed.ts';
import { replies, requirePodNetwork, viaIngress, type Reply } from './support/ingress.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Previews as a visitor meets them: requests to the bed's HAProxy with a
 * preview's Host header, answered by the pods of that preview (each says
 * who it is: namespace, image, environment), read beside the API server's
 * objects.
 */
const world = new PreviewWorld();
const road = { owner: 'acme', repo: 'road', repositoryId: 9201 };
const tenants = ['fr', 'be'];
const pr = { ...road, number: 77 };
const hostOf = (tenant: string) => `road-77-${tenant}.preview.bar.com`;
const namespaceOf = (tenant: string) => `road-pr-77-${tenant}`;

beforeAll(async () => {
  requirePodNetwork();
  // The app's smoke check goes through the same HAProxy as the test's requests.
  await world.start({ PREVIEW_INGRESS_URL: inject('ingressUrl') });
  world.github.setConfig(road.owner, road.repo, 'app: road\ntenants: [fr, be]\n');
}, 120_000);

afterAll(async () => {
  await world.stop();
});

const readyAt = (commit: string) =>
  tenants.map(
    (t) => new RegExp(`\\| ${t.toUpperCase()} \\| .* \\| ✅ ready \\| \`${commit}\` \\|`),
  );

/** Running pods of a tenant's namespace, as the API server lists them. */
async function runningPods(tenant: string) {
  const pods = await world.k8s.core.listNamespacedPod({ namespace: namespaceOf(tenant) });
  return pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
}

/**
 * A dozen answers for a tenant's host once HAProxy serves what the API server
 * says: every answer from a pod of the commit, and every Running pod among them.
 */
async function answersAt(tenant: string, commit: string): Promise<Reply[]> {
  const image = `registry.example.com/foo:${commit}`;
  return eventually(
    `${hostOf(tenant)} answered by every pod of ${commit}`,
    async () => {
      const pods = await runningPods(tenant);
      const answers = await replies(hostOf(tenant), 12);
      const answering = new Set(answers.map((a) => a.pod?.pod));
      return answers.every((a) => a.pod?.image === image) &&
        pods.every((p) => answering.has(p.metadata?.name))
        ? answers
        : undefined;
    },
    10_000,
  );
}

function expectFrom(answers: Reply[], tenant: string, commit: string) {
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.pod).toMatchObject({
      namespace: namespaceOf(tenant),
      image: `registry.example.com/foo:${commit}`,
      env: [
        { name: 'TENANT', value: tenant },
        { name: 'PREVIEW_HOST', value: hostOf(tenant) },
      ],
      request: { host: hostOf(tenant) },
    });
  }
}

describe('a labelled pull request, through HAProxy', () => {
  it("answers each tenant's host from that tenant's pods at the head commit", async () => {
    world.commit(road, sha(1), 'foo', 'road');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, ...readyAt('1111111'));

    for (const tenant of tenants) {
      const answers = await answersAt(tenant, sha(1));
      expectFrom(answers, tenant, sha(1));
      // HAProxy spreads the requests over every Running pod of the tenant's Deployment.
      const pods = await runningPods(tenant);
      expect(pods).toHaveLength(3);
      expect(new Set(answers.map((a) => a.pod?.pod))).toEqual(
        new Set(pods.map((p) => p.metadata?.name)),
      );
      expect(new Set(answers.map((a) => a.pod?.ip))).toEqual(
        new Set(pods.map((p) => p.status?.podIP)),
      );
    }
    const stranger = await viaIngress('road-78-fr.preview.bar.com');
    expect(stranger.status).toBe(404);
  });

  it('answers from the new commit once a push has rolled out', async () => {
    world.commit(road, sha(2), 'foo', 'road');
    await world.send('synchronize', { ...pr, sha: sha(2), labels: ['cd/preview'] });
    await world.waitForComment(pr, ...readyAt('2222222'));

    for (const tenant of tenants) {
      const answers = await answersAt(tenant, sha(2));
      expectFrom(answers, tenant, sha(2));
      const pods = await runningPods(tenant);
      expect(pods.map((p) => p.spec?.containers[0]?.image)).toEqual(
        Array(3).fill(`registry.example.com/foo:${sha(2)}`),
      );
      expect(new Set(answers.map((a) => a.pod?.pod))).toEqual(
        new Set(pods.map((p) => p.metadata?.name)),
      );
    }
  });

  it('answers 404 for every host once the pull request is closed', async () => {
    await world.send('closed', { ...pr, sha: sha(2), labels: ['cd/preview'] });
    await world.waitForComment(pr, /FR .* 🗑️ destroyed/, /BE .* 🗑️ destroyed/);
    for (const tenant of tenants) {
      const reply = await eventually(
        `${hostOf(tenant)} unrouted`,
        async () => {
          const answer = await viaIngress(hostOf(tenant));
          return answer.status === 404 ? answer : undefined;
        },
        30_000,
      );
      expect(reply.body).toBe('no Ingress routes this host and path');
    }
    expect(await world.namespacesOf(road.repositoryId, 77)).toEqual([]);
  });
});

describe('a chart that asks for storage', () => {
  const vault = { owner: 'acme', repo: 'vault', repositoryId: 9202, number: 5 };
  const namespace = 'vault-pr-5';
  const templates = {
    '.cloud/charts/vault/templates/claim.yaml': `apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: {{ .Release.Name }}-uploads }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
`,
    '.cloud/charts/vault/templates/db.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers:
        - name: db
          image: registry.example.com/db:16
          volumeMounts: [{ name: data, mountPath: /var/lib/db }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 2Gi } }
`,
  };

  it('deploys, its claims bound to volumes made for them, which go with the preview', async () => {
    world.github.setConfig(vault.owner, vault.repo, 'app: vault\n');
    world.commit(vault, sha(3), 'foo', 'vault', templates);
    await world.send('labeled', {
      ...vault,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(vault, /✅ ready \| `3333333`/);

    const claims = await world.k8s.core.listNamespacedPersistentVolumeClaim({ namespace });
    expect(
      claims.items.map((c) => [c.metadata?.name, c.status?.phase, c.spec?.storageClassName]).sort(),
    ).toEqual([
      ['data-db-0', 'Bound', 'bed-local'],
      ['vault-uploads', 'Bound', 'bed-local'],
    ]);
    const folders: string[] = [];
    for (const claim of claims.items) {
      const volume = await world.k8s.core.readPersistentVolume({
        name: claim.spec?.volumeName ?? '',
      });
      expect(volume.spec?.claimRef).toMatchObject({
        namespace,
        name: claim.metadata?.name,
        uid: claim.metadata?.uid,
      });
      expect(volume.spec?.capacity).toEqual(claim.spec?.resources?.requests);
      const folder = volume.spec?.hostPath?.path ?? '';
      expect(folder.startsWith(`${stateDir}/volumes/`) && existsSync(folder)).toBe(true);
      folders.push(folder);
    }
    const db = await world.k8s.apps.readNamespacedStatefulSet({ name: 'db', namespace });
    expect(db.status?.readyReplicas).toBe(1);

    await world.send('closed', { ...vault, sha: sha(3), labels: ['cd/preview'] });
    await world.waitForComment(vault, /🗑️ destroyed/);
    const names = claims.items.map((c) => c.spec?.volumeName);
    await eventually(
      'the volumes deleted',
      async () => {
        const volumes = await world.k8s.core.listPersistentVolume();
        return volumes.items.some((v) => names.includes(v.metadata?.name)) ? undefined : true;
      },
      60_000,
    );
    expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
  });
});

describe('a smoke check through HAProxy', () => {
  const signal = { owner: 'acme', repo: 'signal', repositoryId: 9203, number: 4 };
  const host = 'signal-4.preview.bar.com';

  it('calls a preview ready only once its host is answered by its pods', async () => {
    world.github.setConfig(signal.owner, signal.repo, 'app: signal\nsmoke: { path: /healthz }\n');
    world.commit(signal, sha(4), 'foo', 'signal');
    await world.send('labeled', {
      ...signal,
      sha: sha(4),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(signal, /✅ ready .*\| `4444444`|❌ failed/);
    expect(body).toMatch(/✅ ready \(GET \/healthz → 200\) \| `4444444`/);
    // Asked once, right away: ready on the comment means served, not about to be.
    const answer = await viaIngress(host, '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.pod).toMatchObject({
      namespace: 'signal-pr-4',
      image: `registry.example.com/foo:${sha(4)}`,
      request: { host, path: '/healthz' },
    });
  });
});
