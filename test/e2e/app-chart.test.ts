import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubernetesCluster } from '../../src/deploy/kubernetes-cluster.ts';
import { KubernetesRecords } from '../../src/deploy/kubernetes-records.ts';
import { installDefinition, serviceMonitorDefinition } from './support/definitions.ts';
import { kubeConfigAs } from './support/kube.ts';
import { freePort } from './support/app-process.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chartDir = join(repoRoot, 'charts', 'pr-preview');
const releaseNamespace = 'pr-preview-system';
const required = ['previews.domain=preview.bar.com', 'github.existingSecret=pr-preview-github'];
let helmHome: string;

/** The real helm against the test cluster, with a throwaway home. */
function helm(...args: string[]) {
  const result = spawnSync(inject('helm'), args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: helmHome,
      KUBECONFIG: inject('kubeconfig'),
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const set = (values: string[]) => values.flatMap((v) => ['--set', v]);

const world = new PreviewWorld();

beforeAll(async () => {
  helmHome = await mkdtemp(join(tmpdir(), 'app-chart-helm-'));
});

afterAll(async () => {
  await world.stop();
  helm('uninstall', 'pr-preview', '--namespace', releaseNamespace, '--wait');
  await rm(helmHome, { recursive: true, force: true });
});

describe("the app's own chart", () => {
  it('passes helm lint --strict', () => {
    const { code, stdout, stderr } = helm('lint', chartDir, '--strict', ...set(required));
    expect(stderr + stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(code).toBe(0);
  });

  it('says which value is missing', () => {
    const withoutCredentials = helm(
      'template',
      'pr-preview',
      chartDir,
      ...set(['previews.domain=x.com']),
    );
    expect(withoutCredentials.code).toBe(1);
    expect(withoutCredentials.stderr).toContain(
      'github.appId is required (or github.existingSecret)',
    );
    const withoutDomain = helm(
      'template',
      'pr-preview',
      chartDir,
      ...set(['github.existingSecret=s']),
    );
    expect(withoutDomain.code).toBe(1);
    expect(withoutDomain.stderr).toContain('previews.domain is required');
  });

  it('renders objects that the API server accepts, with every option on', async () => {
    const cluster = new KubernetesCluster(world.k8s.kc, {
      instance: 'chart-check',
      records: new KubernetesRecords(world.k8s.kc, {
        namespace: 'default',
        instance: 'chart-check',
      }),
    });
    for (const name of ['chart-check', 'platform-secrets']) {
      await world.k8s.core.createNamespace({ body: { metadata: { name } } });
    }
    await installDefinition(world.k8s.kc, serviceMonitorDefinition, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
    });
    const { code, stdout, stderr } = helm(
      'template',
      'pr-preview',
      chartDir,
      '--namespace',
      'chart-check',
      ...set([
        'previews.domain=preview.bar.com',
        'github.appId=12345',
        'github.privateKey=not-a-key',
        'github.webhookSecret=s3cret',
        'github.enterpriseHost=github.example.com',
        'previews.ingressUrl=http://haproxy.ingress.svc',
        'previews.secrets.namespace=platform-secrets',
        'previews.secrets.names={registry-pull,tls}',
        'serviceMonitor.enabled=true',
        'replicaCount=2',
        'redis.existingSecret=pr-preview-redis',
        'github.deployments=false',
        'github.writesPerHour=300',
        'previews.sleep.after=2h',
        'previews.sleep.maxAfter=1d',
        'previews.sleep.prometheusUrl=http://prometheus.monitoring:9090',
        'previews.sleep.prometheusQuery=sum by (namespace) (increase(hits_total[{window}]))',
        'previews.sleep.ignoredUserAgents={kube-probe,Googlebot}',
        'ingress.enabled=true',
        'ingress.host=pr-preview.bar.com',
        'networkPolicy.enabled=true',
      ]),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const objects = (yaml.loadAll(stdout) as KubernetesObject[]).filter(Boolean);
    const deployment = objects.find((o) => o.kind === 'Deployment') as {
      spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
    };
    const env = deployment.spec.template.spec.containers[0]?.env ?? [];
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'PREVIEW_GITHUB_DEPLOYMENTS', value: 'off' },
        { name: 'PREVIEW_GITHUB_WRITES_PER_MINUTE', value: '80' },
        { name: 'PREVIEW_GITHUB_WRITES_PER_HOUR', value: '300' },
        {
          name: 'REDIS_URL',
          valueFrom: { secretKeyRef: { name: 'pr-preview-redis', key: 'REDIS_URL' } },
        },
        { name: 'PREVIEW_WAKE_PORT', value: '3001' },
        {
          name: 'PREVIEW_WAKE_SERVICE',
          value: 'pr-preview.chart-check.svc.cluster.local:8080',
        },
        { name: 'PREVIEW_SLEEP_AFTER', value: '2h' },
        { name: 'PREVIEW_SLEEP_AFTER_MAX', value: '1d' },
        { name: 'PREVIEW_PROMETHEUS_URL', value: 'http://prometheus.monitoring:9090' },
        {
          name: 'PREVIEW_PROMETHEUS_QUERY',
          value: 'sum by (namespace) (increase(hits_total[{window}]))',
        },
        { name: 'PREVIEW_IGNORED_USER_AGENTS', value: 'kube-probe,Googlebot' },
      ]),
    );
    const service = objects.find((o) => o.kind === 'Service') as {
      spec: { ports: { name: string; port: number; targetPort: string }[] };
    };
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: 'http', port: 80, targetPort: 'http' }),
      expect.objectContaining({ name: 'wake', port: 8080, targetPort: 'wake' }),
    ]);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Ingress',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
      ...Array(9).fill('ValidatingAdmissionPolicy'),
      ...Array(9).fill('ValidatingAdmissionPolicyBinding'),
    ]);
    // No right to raise rights: the app binds the ClusterRoles of its chart by name, and escalates nothing.
    const rules = objects
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .flatMap((o) => (o as { rules: { verbs: string[] }[] }).rules);
    expect(rules.flatMap((r) => r.verbs)).not.toContain('escalate');
    const namespaced = objects.map((o) =>
      o.kind?.startsWith('Cluster') || o.metadata?.namespace
        ? o
        : { ...o, metadata: { ...o.metadata, namespace: 'chart-check' } },
    );
    await cluster.apply(namespaced, { dryRun: true });
  });

  it('installs into the cluster, its pod becomes ready, and its RBAC is enough to run a preview and no more', async () => {
    const { core, kc } = world.k8s;
    // The chart checks at install that the ingress controller's namespace (default `ingress`) exists.
    const missingIngress = helm(
      'template',
      'pr-preview',
      chartDir,
      '--dry-run=server',
      ...set([...required, 'previews.ingressNamespace=no-such-ingress']),
    );
    expect(missingIngress.code).toBe(1);
    expect(missingIngress.stderr).toContain(
      'previews.ingressNamespace "no-such-ingress" does not exist in this cluster',
    );
    await core
      .createNamespace({ body: { metadata: { name: 'ingress' } } })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) throw error;
      });
    await core.createNamespace({ body: { metadata: { name: releaseNamespace } } });
    await core.createNamespacedSecret({
      namespace: releaseNamespace,
      body: {
        metadata: { name: 'pr-preview-github' },
        stringData: { APP_ID: '1', PRIVATE_KEY: 'x', WEBHOOK_SECRET: 'x' },
      },
    });
    const install = helm(
      'upgrade',
      '--install',
      'pr-preview',
      chartDir,
      '--namespace',
      releaseNamespace,
      '--wait',
      '--timeout',
      '3m',
      ...set(required),
    );
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    const pods = await core.listNamespacedPod({
      namespace: releaseNamespace,
      labelSelector: 'app.kubernetes.io/name=pr-preview',
    });
    expect(pods.items).toHaveLength(1);
    const ready = pods.items[0]?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).toBe('True');

    // The app, run as the chart's ServiceAccount, deploys and destroys a preview.
    const token = await core.createNamespacedServiceAccountToken({
      name: 'pr-preview',
      namespace: releaseNamespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const serviceAccountConfig = join(helmHome, 'service-account.kubeconfig');
    await writeFile(
      serviceAccountConfig,
      kubeConfigAs(kc, token.status?.token ?? '').exportConfig(),
    );
    await world.start({
      KUBECONFIG: serviceAccountConfig,
      // As the chart's Deployment sets them.
      PREVIEW_INSTANCE: `${releaseNamespace}-pr-preview`,
      PREVIEW_NAMESPACE_ROLE: 'pr-preview-namespace',
      PREVIEW_READER_ROLE: 'pr-preview-lookup',
      PREVIEW_LEASE_NAMESPACE: releaseNamespace,
      PREVIEW_RECONCILE_INTERVAL: '2s',
      PREVIEW_WAKE_SERVICE: `pr-preview.${releaseNamespace}.svc.cluster.local:8080`,
      PREVIEW_WAKE_PORT: String(await freePort()),
    });
    const pr = { owner: 'acme', repo: 'charted', repositoryId: 9101, number: 3 };
    world.github.setConfig('acme', 'charted', 'app: charted\nsleepAfter: 8s\n');
    world.commit(pr, sha(3), 'foo', 'charted');
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /✅ ready/);
    expect(await world.namespacesOf(pr.repositoryId, 3)).toEqual(['charted-pr-3']);
    // A push: rendered through the namespace's reader, with a hook Job waited for and removed.
    world.commit(pr, sha(4), 'foo', 'charted', {
      '.cloud/charts/charted/templates/migrate.yaml': [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata:',
        '  name: migrate',
        '  annotations: { helm.sh/hook: pre-upgrade, helm.sh/hook-delete-policy: hook-succeeded }',
        'spec:',
        '  backoffLimit: 0',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      containers: [{ name: migrate, image: "registry.example.com/migrate:1" }]',
        '',
      ].join('\n'),
    });
    await world.send('synchronize', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /✅ ready \| `4444444`/);
    const jobs = await world.k8s.batch.listNamespacedJob({ namespace: 'charted-pr-3' });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([]);
    const events = await world.k8s.core.listNamespacedEvent({ namespace: 'charted-pr-3' });
    expect(
      events.items.filter((e) => e.involvedObject.name === 'migrate').map((e) => e.reason),
    ).toContain('Completed');
    // Asleep and awake again, with nothing but the chart's RBAC.
    await world.waitForComment(pr, /😴 sleeping \| `4444444`/);
    await world.sendComment({ ...pr, body: '/preview wake', user: 'visitor', commentId: 91_001 });
    await world.waitForComment(pr, /✅ ready \| `4444444`/);
    const woken = await world.k8s.apps.readNamespacedDeployment({
      name: 'charted',
      namespace: 'charted-pr-3',
    });
    expect(woken.spec?.replicas).toBe(3);
    await world.send('closed', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);

    // The app's own rights, tried as its ServiceAccount: nothing outside its namespace and its
    // previews, whether RBAC (ConfigMaps, Jobs, Secrets) or the app-writes policy (RoleBindings,
    // which it may create in new namespaces) refuses.
    const asApp = kubeConfigOf(serviceAccountConfig);
    const rbac = asApp.makeApiClient(RbacAuthorizationV1Api);
    await expect(
      rbac.createClusterRole({ body: { metadata: { name: 'escalate' }, rules: [] } }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      asApp.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'kube-system' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      asApp.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'x', namespace: 'default' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      asApp.makeApiClient(CoreV1Api).createNamespacedConfigMap({
        namespace: 'kube-system',
        body: { metadata: { name: 'from-the-app' } },
      }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      asApp.makeApiClient(BatchV1Api).createNamespacedJob({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'from-the-app' },
          spec: {
            template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'x' }] } },
          },
        },
      }),
    ).rejects.toMatchObject({ code: 403 });
    const binding = await rbac
      .createNamespacedRoleBinding({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'from-the-app' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }],
        },
      })
      .then(
        () => 'created',
        (error: { code?: number; body?: string }) => `${error.code} ${error.body}`,
      );
    expect(binding).toMatch(
      /^(403|422) .*pr-preview writes only into its own namespace and its previews/,
    );
    const namespaces = await rbac
      .createNamespacedRoleBinding({
        namespace: 'default',
        body: {
          metadata: { name: 'from-the-app' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
        },
      })
      .then(
        () => 'created',
        (error: { code?: number }) => error.code,
      );
    expect(namespaces).not.toBe('created');
  });
});

function kubeConfigOf(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
