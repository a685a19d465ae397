import { ApiException, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectApi } from '../../src/deploy/kubernetes-objects.ts';
import { fenceAttacks, runTimeAttacks } from './fence-attacks.ts';
import { freePort, type AppProcess } from './support/app-process.ts';
import { eventually, kubeConfigAs, kubeConfigImpersonating } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * A preview is untrusted code: at run time, its pods write to the API server
 * with whatever its chart granted them. The fences are admission policies,
 * so they hold for them as for the chart: each attack is tried as the
 * preview's ServiceAccount (with the Role an operator's chart gives itself)
 * and again with every right RBAC can give (system:masters), and read back.
 */
const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'tenant', repositoryId: 9301 };
const wakeService = 'pr-preview.pr-preview.svc.cluster.local';
let app: AppProcess;
/** The preview that the run-time attacks are made from. */
let ready: Promise<{ namespace: string; host: string }>;

/** What a namespaced operator's chart grants its own ServiceAccount. */
const operatorChart = {
  '.cloud/charts/tenant/templates/operator.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: { name: operator }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: operator }
rules:
  - apiGroups: ['']
    resources: [services, endpoints, secrets, configmaps, persistentvolumeclaims, pods]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses, networkpolicies]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles, rolebindings]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: operator }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator }
subjects: [{ kind: ServiceAccount, name: operator }]
`,
};

beforeAll(async () => {
  await world.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: tenant\nsleepAfter: 4s\n');
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.github.setPermission(repo.owner, repo.repo, 'visitor', 'read');
  for (const n of [1, 2, 3]) world.commit(repo, sha(n), 'foo', 'tenant', operatorChart);
  // A replica that reconciles (and so puts previews to sleep); the world's own does not.
  app = await world.replica({
    PREVIEW_RECONCILE_INTERVAL: '2s',
    PREVIEW_WAKE_PORT: String(await freePort()),
    PREVIEW_WAKE_SERVICE: `${wakeService}:80`,
    PREVIEW_SLEEP_AFTER_MAX: '1h',
  });
  ready = deployed(1);
  await ready;
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await world.stop();
});

async function deployed(number: number): Promise<{ namespace: string; host: string }> {
  const pr = { ...repo, number };
  // Through the replica that can wake previews: only its deploys record a time to sleep.
  await world.send(
    'labeled',
    { ...pr, sha: sha(number), labels: ['cd/preview'], label: 'cd/preview' },
    undefined,
    app,
  );
  await world.waitForComment(pr, /✅ ready/);
  return { namespace: `tenant-pr-${number}`, host: `tenant-${number}.preview.bar.com` };
}

/** Objects as the preview's ServiceAccount writes them: with its token, or with every RBAC right. */
async function asPreview(namespace: string) {
  const token = await world.k8s.core.createNamespacedServiceAccountToken({
    name: 'operator',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const user = `system:serviceaccount:${namespace}:operator`;
  return {
    pod: kubeConfigAs(world.k8s.kc, token.status?.token ?? '').makeApiClient(ObjectApi),
    unbound: kubeConfigImpersonating(world.k8s.kc, { user, group: 'system:masters' }).makeApiClient(
      ObjectApi,
    ),
  };
}

function objectOf(manifest: string, namespace: string, host: string): KubernetesObject {
  const object = yaml.load(manifest.replaceAll('HOST', host)) as KubernetesObject;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

async function refusal(write: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await write;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    return { code: error.code, message: String((body as { message?: string })?.message) };
  }
  throw new Error('the API server accepted it');
}

async function exists(object: KubernetesObject): Promise<boolean> {
  try {
    await world.k8s.objects.read(object as KubernetesObject & { metadata: { name: string } });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

describe("a preview's pods cannot leave the fence at run time", () => {
  it.each([...fenceAttacks, ...runTimeAttacks].map((a) => [a.what, a] as const))(
    'refuses %s, whatever RBAC the preview has',
    async (_what, attack) => {
      const { namespace, host } = await ready;
      const { pod, unbound } = await asPreview(namespace);
      const object = objectOf(attack.manifest, namespace, host);
      const withToken = await refusal(pod.applyAsWritten(object, false, 'attacker'));
      expect(withToken.code).toBeGreaterThanOrEqual(400);
      const withEveryRight = await refusal(unbound.applyAsWritten(object, false, 'attacker'));
      expect(withEveryRight.message).toContain(attack.admitted);
      expect(await exists(object)).toBe(false);
    },
  );

  it("keeps the app's quota, limits, isolation policy and reader as the app made them", async () => {
    const { namespace } = await ready;
    const { pod, unbound } = await asPreview(namespace);
    const fences = [
      { apiVersion: 'v1', kind: 'ResourceQuota', name: 'pr-preview-quota' },
      { apiVersion: 'v1', kind: 'LimitRange', name: 'pr-preview-limits' },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'pr-preview-isolation' },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        name: 'pr-preview-lookup',
      },
    ].map(({ name, ...rest }) => ({ ...rest, metadata: { name, namespace } }) as KubernetesObject);
    const before = await Promise.all(fences.map((f) => world.k8s.objects.read(f as never)));
    for (const api of [pod, unbound]) {
      for (const fence of fences) {
        await refusal(api.delete(fence));
      }
      const emptied = await refusal(
        api.applyAsWritten(
          { ...fences[1], spec: { limits: [] } } as KubernetesObject,
          false,
          'attacker',
        ),
      );
      expect(emptied.code).toBeGreaterThanOrEqual(400);
    }
    const deleted = await refusal(unbound.delete(fences[0] as KubernetesObject));
    expect(deleted.message).toContain(
      'resourcequotas `pr-preview-quota` belongs to pr-preview: only the app may change it',
    );
    const after = await Promise.all(fences.map((f) => world.k8s.objects.read(f as never)));
    expect(after.map((o) => o.metadata?.uid)).toEqual(before.map((o) => o.metadata?.uid));
    expect(after.map((o) => o.metadata?.resourceVersion)).toEqual(
      before.map((o) => o.metadata?.resourceVersion),
    );
  });

  it("keeps its Namespace, the preview's record, as the app wrote it", async () => {
    const { namespace } = await ready;
    const { pod, unbound } = await asPreview(namespace);
    const read = () => world.k8s.core.readNamespace({ name: namespace });
    const before = await read();
    const forged = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
        annotations: {
          'pr-preview.dev/kept-by': 'attacker',
          'pr-preview.dev/host': 'shop.bar.com',
        },
      },
    } as KubernetesObject;
    for (const api of [pod, unbound]) {
      expect(
        (await refusal(api.applyAsWritten(forged, false, 'attacker'))).code,
      ).toBeGreaterThanOrEqual(400);
      expect((await refusal(api.delete(forged))).code).toBeGreaterThanOrEqual(400);
    }
    const refused = await refusal(unbound.applyAsWritten(forged, false, 'attacker'));
    expect(refused.message).toContain(
      `namespace \`${namespace}\` is the preview's record, kept by pr-preview: its own ServiceAccounts may not change or delete it`,
    );
    // A Role that would let its pods change the Namespace is refused as well.
    const role = objectOf(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: { name: own-namespace }\nrules: [{ apiGroups: [""], resources: [namespaces], verbs: [get, patch, delete] }]\n',
      namespace,
      '',
    );
    expect((await refusal(unbound.applyAsWritten(role, false, 'attacker'))).message).toContain(
      "Role `own-namespace` grants rights over the app's objects (quotas, limits, the namespace itself",
    );
    const after = await read();
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('cannot read or write what the app keeps in its own namespace', async () => {
    const { namespace } = await ready;
    const { pod } = await asPreview(namespace);
    const records = await refusal(
      pod.list('v1', 'ConfigMap', 'default') as unknown as Promise<unknown>,
    );
    expect(records.code).toBe(403);
  });
});

describe('the app never acts on what a preview wrote', () => {
  it('runs no pre-delete hook that a preview planted, on close', async () => {
    const { namespace } = await deployed(2);
    const { pod } = await asPreview(namespace);
    // Where the app once kept its hooks, in the preview's reach: a hook that writes into kube-system.
    const planted = {
      timeoutMs: 60_000,
      hooks: [
        {
          object: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'planted-by-a-preview', namespace: 'kube-system' },
            data: { owned: 'yes' },
          },
          events: ['pre-delete'],
          weight: 0,
          deletePolicies: [],
        },
      ],
    };
    await pod.applyAsWritten(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'pr-preview-hooks', namespace },
        type: 'pr-preview.dev/hooks',
        data: { record: Buffer.from(JSON.stringify(planted)).toString('base64') },
      } as KubernetesObject,
      false,
      'attacker',
    );
    const pr = { ...repo, number: 2 };
    await world.send('closed', { ...pr, sha: sha(2), labels: ['cd/preview'] }, undefined, app);
    await world.waitForComment(pr, /🗑️ destroyed/);
    expect(await world.namespacesOf(repo.repositoryId, 2)).toEqual([]);
    const kubeSystem = await world.k8s.core.listNamespacedConfigMap({ namespace: 'kube-system' });
    expect(kubeSystem.items.map((c) => c.metadata?.name)).not.toContain('planted-by-a-preview');
  });

  it("wakes a preview with the routes the app recorded, not those a preview's pods planted", async () => {
    const { namespace, host } = await deployed(3);
    const { pod } = await asPreview(namespace);
    const pr = { ...repo, number: 3 };
    // The annotation the app once read its routes back from, with routes for production's host.
    await pod.applyAsWritten(
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'tenant-preview',
          namespace,
          annotations: {
            'pr-preview.dev/awake-routes': JSON.stringify({
              rules: [
                {
                  host: 'shop.bar.com',
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: { service: { name: 'tenant-service', port: { number: 80 } } },
                      },
                    ],
                  },
                },
              ],
            }),
          },
        },
      } as KubernetesObject,
      false,
      'attacker',
    );
    await world.waitForComment(pr, /😴 sleeping/);
    await world.sendComment(
      { ...pr, body: '/preview wake', user: 'visitor', commentId: 93_003 },
      app,
    );
    await world.waitForComment(pr, /✅ ready \| `3333333`/);
    const ingress = await eventually('the routes back', async () => {
      const read = await world.k8s.networking.readNamespacedIngress({
        name: 'tenant-preview',
        namespace,
      });
      const backend = read.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name;
      return backend === 'tenant-service' ? read : undefined;
    });
    expect(ingress.spec?.rules?.map((r) => r.host)).toEqual([host]);
    expect(ingress.spec?.ingressClassName).toBe('haproxy-v1');
    const all = await world.k8s.networking.listIngressForAllNamespaces();
    expect(all.items.filter((i) => i.spec?.rules?.some((r) => r.host === 'shop.bar.com'))).toEqual(
      [],
    );
    await world.send('closed', { ...pr, sha: sha(3), labels: ['cd/preview'] }, undefined, app);
    await world.waitForComment(pr, /🗑️ destroyed/);
  });
});

describe('the admission policies', () => {
  it('are in place for this instance, at the version the app ships', async () => {
    const status = await world.app.get('/readyz');
    expect(status).toEqual({ status: 200, body: 'ready' });
    const core = world.k8s.kc.makeApiClient(CoreV1Api);
    const params = await core.readNamespacedConfigMap({
      name: 'pr-preview-app-1-fences',
      namespace: 'default',
    });
    expect(params.data).toMatchObject({
      appUser: 'kube-bed-admin',
      ingressClasses: ',haproxy-v1,',
      maxDataBytes: '131072',
    });
  });
});
