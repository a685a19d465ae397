import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoscalingV2Api, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import {
  customResourceDefinition,
  installDefinition,
  serviceMonitorDefinition,
} from './support/definitions.ts';
import { fixtureCharts, PreviewWorld, sha } from './support/preview-world.ts';

/**
 * Charts written the way widely used public charts are (test/fixtures/charts:
 * shop, widgets, snoop), deployed as they are, with no values of their own
 * changed for previews.
 */
const world = new PreviewWorld();
const shop = { owner: 'acme', repo: 'shop', repositoryId: 7201 };
const widgets = { owner: 'acme', repo: 'widgets', repositoryId: 7202 };
const snoop = { owner: 'acme', repo: 'snoop', repositoryId: 7203 };

const widgetDefinition = customResourceDefinition({
  group: 'demo.pr-preview.dev',
  kind: 'Widget',
  plural: 'widgets',
});

beforeAll(async () => {
  await installDefinition(world.k8s.kc, serviceMonitorDefinition, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
  });
  await world.start({
    PREVIEW_ALLOWED_KINDS: [
      ...defaultGuardrails.allowedKinds,
      'monitoring.coreos.com/ServiceMonitor',
      'demo.pr-preview.dev/Widget',
    ].join(','),
  });
  world.github.setConfig(
    shop.owner,
    shop.repo,
    [
      'app: shop',
      'tenants: [fr]',
      'ingress: { service: shop-storefront }',
      'imageTagKey: [storefront.image.tag, storefront.worker.image.tag]',
      'set:',
      '  storefront.localDomain: "{host}"',
      '',
    ].join('\n'),
  );
  world.github.setConfig(widgets.owner, widgets.repo, 'app: widgets\n');
  world.github.setConfig(snoop.owner, snoop.repo, 'app: snoop\n');
}, 180_000);

afterAll(async () => {
  await world.stop();
});

const namespace = 'shop-pr-1-fr';
const host = 'shop-1-fr.preview.bar.com';

async function storedPassword(ns = namespace): Promise<string> {
  const secret = await world.k8s.core.readNamespacedSecret({
    name: 'shop-storefront',
    namespace: ns,
  });
  return Buffer.from(secret.data?.password ?? '', 'base64').toString('utf8');
}

describe('an application chart written like the public catalogues', () => {
  const pr = { ...shop, number: 1 };
  let firstPassword = '';

  it('deploys unchanged, rendered for the cluster it runs on', async () => {
    world.commit(shop, sha(1), 'shop', 'shop');
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(pr, /\| FR \| .* \| ✅ ready \(.*\) \| `1111111` \|/);
    // The chart's LoadBalancer became internal, and the comment says so.
    expect(body).toContain('Service `shop-storefront` made ClusterIP (was LoadBalancer)');

    // helm was told the cluster's own version and APIs, not its built-in defaults.
    const server = await world.k8s.kc.makeApiClient(VersionApi).getCode();
    const capabilities = await world.k8s.core.readNamespacedConfigMap({
      name: 'shop-capabilities',
      namespace,
    });
    expect(capabilities.data).toEqual({
      kubeVersion: server.gitVersion,
      serviceMonitors: 'true',
      upgrade: 'false',
    });
    await world.k8s.objects.read({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'shop-storefront', namespace },
    });
    const hpa = await world.k8s.kc
      .makeApiClient(AutoscalingV2Api)
      .readNamespacedHorizontalPodAutoscaler({ name: 'shop-storefront', namespace });
    expect(hpa.spec?.maxReplicas).toBe(3);

    const service = await world.k8s.core.readNamespacedService({
      name: 'shop-storefront',
      namespace,
    });
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.externalTrafficPolicy).toBeUndefined();
    expect(service.spec?.ports?.[0]?.nodePort).toBeUndefined();

    const deployment = await world.k8s.apps.readNamespacedDeployment({
      name: 'shop-storefront',
      namespace,
    });
    const pod = deployment.spec?.template.spec;
    // The preview's facts reached the chart's own keys: `set:` and every imageTagKey.
    expect(pod?.containers[0]?.env?.[0]).toEqual({ name: 'LOCAL_DOMAIN', value: host });
    expect(pod?.containers.map((c) => c.image)).toEqual([
      `registry.example.com/shop/storefront:${sha(1)}`,
      `registry.example.com/shop/worker:${sha(1)}`,
    ]);
    // YAML 1.1 as helm and kubectl read it: octal modes and yes/no/on/off booleans.
    expect(pod?.volumes?.[0]?.configMap?.defaultMode).toBe(0o755);
    expect(pod?.volumes?.[1]?.secret?.defaultMode).toBe(0o600);
    expect(pod?.volumes?.[1]?.secret?.items?.[0]?.mode).toBe(0o440);
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.enableServiceLinks).toBe(false);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.readOnly)).toEqual([true, true]);
    // `stdin: no` and `tty: n` were false, which the API server leaves out; "no" would be refused.
    expect([pod?.containers[1]?.stdin, pod?.containers[1]?.tty]).toEqual([undefined, undefined]);

    firstPassword = await storedPassword();
    expect(firstPassword).toMatch(/^[A-Za-z0-9]{24}$/);
  });

  it('keeps generated passwords on a push, as helm upgrade does through lookup', async () => {
    world.commit(shop, sha(2), 'shop', 'shop');
    await world.send('synchronize', { ...pr, sha: sha(2), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| FR \| .* \| ✅ ready .*\| `2222222` \|/);
    expect(await storedPassword()).toBe(firstPassword);
    const capabilities = await world.k8s.core.readNamespacedConfigMap({
      name: 'shop-capabilities',
      namespace,
    });
    expect(capabilities.data?.upgrade).toBe('true');
  });

  it('stores, field for field, what helm install stores for the same render', async () => {
    const helmNamespace = 'shop-by-helm';
    const scratch = await mkdtemp(join(tmpdir(), 'shop-values-'));
    try {
      // The values the app gives the chart for this preview.
      const values = join(scratch, 'values.json');
      await writeFile(
        values,
        JSON.stringify({
          preview: { pr: 1, tenant: 'fr', host, sha: sha(2) },
          storefront: {
            image: { tag: sha(2) },
            worker: { image: { tag: sha(2) } },
            localDomain: host,
          },
        }),
      );
      const installed = spawnSync(
        world.helm,
        [
          'install',
          'shop',
          join(fixtureCharts, 'shop'),
          '--namespace',
          helmNamespace,
          '--create-namespace',
          '--values',
          values,
          '--kubeconfig',
          world.kubeconfig,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: scratch } },
      );
      expect(installed.stderr).toBe('');
      expect(installed.status).toBe(0);
      const read = (ns: string) =>
        world.k8s.apps.readNamespacedDeployment({ name: 'shop-storefront', namespace: ns });
      const [byApp, byHelm] = await Promise.all([read(namespace), read(helmNamespace)]);
      expect(byApp.spec).toEqual(byHelm.spec);
      const scripts = (ns: string) =>
        world.k8s.core.readNamespacedConfigMap({ name: 'shop-storefront-scripts', namespace: ns });
      expect((await scripts(namespace)).data).toEqual((await scripts(helmNamespace)).data);
    } finally {
      await world.k8s.core.deleteNamespace({ name: helmNamespace }).catch(() => undefined);
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe("a chart's lookup", () => {
  const pr = { ...snoop, number: 1 };

  it("never reads another preview's objects", async () => {
    const password = await storedPassword();
    world.commit(snoop, sha(3), 'snoop', 'snoop', {
      '.cloud/charts/snoop/values-preview.yaml': `target: { namespace: ${namespace}, secret: shop-storefront }\n`,
    });
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `3333333` \|/);
    const loot = await world.k8s.core.readNamespacedConfigMap({
      name: 'snoop-loot',
      namespace: 'snoop-pr-1',
    });
    expect(loot.data).toEqual({ password: '' });

    // The second deploy renders with the namespace's own reader, which may look nowhere else.
    world.commit(snoop, sha(4), 'snoop', 'snoop', {
      '.cloud/charts/snoop/values-preview.yaml': `target: { namespace: ${namespace}, secret: shop-storefront }\n`,
    });
    await world.send('synchronize', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    const body = await world.waitForComment(
      pr,
      /\| — \| .* \| ❌ failed: `helm template failed: the chart's 'lookup' may only read objects of the preview's own namespace/,
    );
    expect(body).toContain(
      `cannot get resource "secrets" in API group "" in the namespace "${namespace}"`,
    );
    expect(body).not.toContain(password);
    const after = await world.k8s.core.readNamespacedConfigMap({
      name: 'snoop-loot',
      namespace: 'snoop-pr-1',
    });
    expect(after.data).toEqual({ password: '' });
  });
});

describe('a chart with CRDs', () => {
  const pr = { ...widgets, number: 1 };

  it('fails naming each CRD the cluster lacks, and deploys once the platform installed it, never touching it', async () => {
    world.commit(widgets, sha(5), 'widgets', 'widgets');
    await world.send('labeled', {
      ...pr,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(
      pr,
      /\| — \| .* \| ❌ failed: `the chart needs CustomResourceDefinitions that the cluster does not have/,
    );
    expect(body).toContain('- `widgets.demo.pr-preview.dev` (demo.pr-preview.dev/v1 Widget)');
    expect(body).toContain('the platform team installs them');
    expect(await world.namespacesOf(widgets.repositoryId, 1)).toEqual([]);

    await installDefinition(world.k8s.kc, widgetDefinition, {
      apiVersion: 'demo.pr-preview.dev/v1',
      kind: 'Widget',
    });
    world.commit(widgets, sha(6), 'widgets', 'widgets');
    await world.send('synchronize', { ...pr, sha: sha(6), labels: ['cd/preview'] });
    await world.waitForComment(pr, /\| — \| .* \| ✅ ready \| `6666666` \|/);
    const widget = await world.k8s.objects.read({
      apiVersion: 'demo.pr-preview.dev/v1',
      kind: 'Widget',
      metadata: { name: 'widgets-sample', namespace: 'widgets-pr-1' },
    });
    expect((widget as { spec?: unknown }).spec).toEqual({ size: 3, colour: 'blue' });
    const definition = await world.k8s.objects.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.demo.pr-preview.dev' },
    });
    expect(definition.metadata?.managedFields?.map((f) => f.manager)).not.toContain('pr-preview');
    // The platform's definition, not the chart's: the chart's schema names `colour`.
    expect(JSON.stringify(definition)).not.toContain('colour');
  });
});
