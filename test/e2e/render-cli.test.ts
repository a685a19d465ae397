import { VersionApi, type KubernetesObject } from '@kubernetes/client-node';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultKubeVersion } from '../../src/cli/offline-facts.ts';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { KubernetesCluster } from '../../src/deploy/kubernetes-cluster.ts';
import { KubernetesRecords } from '../../src/deploy/kubernetes-records.ts';
import { parseKubernetesYaml } from '../../src/deploy/kubernetes-yaml.ts';
import { clients } from './support/kube.ts';
import { checkoutOf, renderCommand, renderCommandWith } from './support/render-command.ts';
import { previewFences } from '../support/preview-fences.ts';

let checkout: string;
const render = renderCommand;

beforeAll(async () => {
  checkout = await checkoutOf('foo', 'foo', 'app: foo\ntenants: [fr, be, hr, hu]\n');
});

afterAll(async () => {
  await rm(checkout, { recursive: true, force: true });
});

describe('npx pr-preview render', () => {
  it('prints what the app would apply, and the API server accepts every object', async () => {
    const { code, stdout, stderr } = render(
      '--repo-dir',
      checkout,
      '--pr',
      '241',
      '--tenant',
      'FR',
      '--sha',
      'abc123',
    );
    expect(stderr).not.toContain('pr-preview render:');
    expect(code).toBe(0);
    const objects = parseKubernetesYaml(stdout).filter(Boolean) as KubernetesObject[];
    expect(objects.map((o) => o.kind)).toEqual([
      'ResourceQuota',
      'LimitRange',
      'NetworkPolicy',
      'ServiceAccount',
      'RoleBinding',
      'Service',
      'Deployment',
      'Ingress',
    ]);
    expect(objects.every((o) => o.metadata?.namespace === 'foo-pr-241-fr')).toBe(true);
    const ingress = objects.find((o) => o.kind === 'Ingress') as Record<string, any>;
    expect(ingress.spec.rules[0].host).toBe('foo-241-fr.preview.bar.com');
    expect(ingress.spec.ingressClassName).toBe('haproxy-v1');
    const deployment = objects.find((o) => o.kind === 'Deployment') as Record<string, any>;
    expect(deployment.spec.template.spec.containers[0].image).toMatch(/:abc123$/);

    const { core, kc } = clients();
    await core.createNamespace({ body: { metadata: { name: 'foo-pr-241-fr' } } });
    try {
      const records = new KubernetesRecords(kc, { namespace: 'default', instance: 'render-check' });
      await new KubernetesCluster(kc, { instance: 'render-check', records }).apply(objects, {
        dryRun: true,
      });
    } finally {
      await core.deleteNamespace({ name: 'foo-pr-241-fr' });
    }
  });

  it('names the tenants when the one asked for is unknown', () => {
    const { code, stdout, stderr } = render(
      '--repo-dir',
      checkout,
      '--pr',
      '241',
      '--tenant',
      'de',
      '--sha',
      'abc123',
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      "pr-preview render: unknown tenant `de`; the repository's tenants are `fr`, `be`, `hr`, `hu`",
    );
  });

  it('refuses what the app refuses, listing each object', async () => {
    const hostile = join(checkout, '.cloud/charts/foo/templates/hostile.yaml');
    await writeFile(
      hostile,
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: other }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: open }\nspec: { externalIPs: [10.0.0.9], ports: [{ port: 80 }] }\n',
    );
    try {
      const { code, stderr } = render(
        '--repo-dir',
        checkout,
        '--pr',
        '7',
        '--tenant',
        'be',
        '--sha',
        'abc123',
      );
      expect(code).toBe(1);
      expect(stderr).toContain(
        'pr-preview render: the chart renders objects a preview may not create; nothing was applied:\n- Namespace `other` is cluster-scoped',
      );
      expect(stderr).toContain('- Service `open` sets externalIPs');
    } finally {
      await rm(hostile);
    }
  });

  it('refuses a chart folder that is a link, as the app does', async () => {
    const linked = await mkdtemp(join(tmpdir(), 'render-cli-link-'));
    try {
      await mkdir(join(linked, '.cloud/charts'), { recursive: true });
      await symlink(join(checkout, '.cloud/charts/foo'), join(linked, '.cloud/charts/foo'));
      await mkdir(join(linked, '.github'));
      await writeFile(join(linked, '.github/preview.yml'), 'app: foo\n');
      const { code, stderr } = render('--repo-dir', linked, '--pr', '7', '--sha', 'abc123');
      expect(code).toBe(1);
      expect(stderr).toContain('chart path `.cloud/charts/foo` goes through a link');
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });

  it('explains its usage when the pull request number is missing', () => {
    const { code, stderr } = render('--repo-dir', checkout, '--sha', 'abc123');
    expect(code).toBe(2);
    expect(stderr).toContain('--pr is required: the pull request number');
    expect(stderr).toContain('Usage: pr-preview render');
  });
});

describe('npx pr-preview render, for charts with hooks and capabilities', () => {
  it('prints the hooks in the order a deploy runs them, each with when it runs', async () => {
    const ledger = await checkoutOf('ledger', 'ledger', 'app: ledger\n');
    // The ledger's preflight hook is a bare Pod, which the app allows only when told to.
    const withPods = (...args: string[]) =>
      renderCommandWith(
        { PREVIEW_ALLOWED_KINDS: [...defaultGuardrails.allowedKinds, 'Pod'].join(',') },
        ...args,
      );
    try {
      const refused = render('--repo-dir', ledger, '--pr', '3', '--sha', 'abc123');
      expect(refused.stderr).toContain(
        "- Pod `ledger-preflight`: kind Pod is not on the app's list of allowed kinds",
      );
      const install = withPods('--repo-dir', ledger, '--pr', '3', '--sha', 'abc123');
      expect(install.stderr).toBe('');
      expect(install.stdout).toContain('commit abc123, as an install');
      expect([...install.stdout.matchAll(/^# hook: (.*)$/gm)].map((m) => m[1])).toEqual([
        'pre-install, weight -10, runs before the objects below are applied; delete policy before-hook-creation',
        'pre-install, weight -5, runs before the objects below are applied; delete policy before-hook-creation, hook-succeeded',
        'pre-install, weight -1, runs before the objects below are applied; delete policy hook-succeeded',
        'pre-install, weight 0, runs before the objects below are applied; delete policy before-hook-creation',
        'post-install, weight 0, runs once the objects above are ready; delete policy hook-failed',
        'post-install, weight 5, runs once the objects above are ready; delete policy hook-succeeded',
        'pre-delete, weight 0, runs before the namespace is deleted; delete policy before-hook-creation',
      ]);
      expect(install.stdout).toContain(
        '# never run: post-delete hook Job `ledger-goodbye` (previews run no post-delete, rollback or test hooks)',
      );
      const names = (parseKubernetesYaml(install.stdout).filter(Boolean) as KubernetesObject[]).map(
        (o) => `${o.kind}/${o.metadata?.name}`,
      );
      expect(names).toEqual([
        'ServiceAccount/ledger-migrator',
        'ConfigMap/ledger-migrations',
        'Pod/ledger-preflight',
        'Job/ledger-migrate',
        ...previewFences,
        'Service/ledger-service',
        'Deployment/ledger',
        'Job/ledger-reindex',
        'Ingress/ledger-preview',
        'Job/ledger-notify',
        'Job/ledger-seed',
        'Job/ledger-drain',
      ]);

      const upgrade = withPods('--repo-dir', ledger, '--pr', '3', '--sha', 'abc123', '--upgrade');
      expect(upgrade.stdout).toContain('as an upgrade');
      const events = [...upgrade.stdout.matchAll(/^# hook: ([a-z-]+),/gm)].map((m) => m[1]);
      expect(events).toEqual([
        'pre-upgrade',
        'pre-upgrade',
        'pre-upgrade',
        'pre-upgrade',
        'post-upgrade',
        'pre-delete',
      ]);
    } finally {
      await rm(ledger, { recursive: true, force: true });
    }
  });

  it('renders for the Kubernetes version and APIs given, by flag or by a cluster', async () => {
    const shop = await checkoutOf(
      'shop',
      'shop',
      'app: shop\ningress: { service: shop-storefront }\n',
    );
    const capabilities = (stdout: string) =>
      (parseKubernetesYaml(stdout).filter(Boolean) as KubernetesObject[]).find(
        (o) => o.metadata?.name === 'shop-capabilities',
      ) as { data?: Record<string, string> } | undefined;
    try {
      const base = ['--repo-dir', shop, '--pr', '4', '--sha', 'abc123'];
      const plain = render(...base);
      expect(plain.stderr).toBe('');
      expect(capabilities(plain.stdout)?.data).toMatchObject({
        kubeVersion: defaultKubeVersion,
        serviceMonitors: 'false',
      });
      expect(plain.stdout).toContain(
        '# changed for the preview: Service `shop-storefront` made ClusterIP (was LoadBalancer)',
      );

      // A chart's ServiceMonitor is rendered only where the kind is served; the app must allow it.
      const withMonitors = (...args: string[]) =>
        renderCommandWith(
          {
            PREVIEW_ALLOWED_KINDS: [
              ...defaultGuardrails.allowedKinds,
              'monitoring.coreos.com/ServiceMonitor',
            ].join(','),
          },
          ...args,
        );
      const flagged = withMonitors(
        ...base,
        '--kube-version',
        'v1.30.1',
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor',
      );
      expect(flagged.stderr).toBe('');
      expect(capabilities(flagged.stdout)?.data).toMatchObject({
        kubeVersion: 'v1.30.1',
        serviceMonitors: 'true',
      });
      expect(flagged.stdout).toMatch(/^kind: ServiceMonitor$/m);

      const tooOld = render(...base, '--kube-version', 'v1.22.9');
      expect(tooOld.code).toBe(1);
      expect(tooOld.stderr).toContain('chart requires kubeVersion: >=1.23.0-0');

      const fromCluster = withMonitors(...base, '--kubeconfig', inject('kubeconfig'));
      const server = await clients().kc.makeApiClient(VersionApi).getCode();
      expect(fromCluster.stderr).toBe('');
      expect(capabilities(fromCluster.stdout)?.data?.kubeVersion).toBe(server.gitVersion);
      expect(fromCluster.stdout).toContain(
        `for Kubernetes ${server.gitVersion} (the cluster of --kubeconfig)`,
      );
    } finally {
      await rm(shop, { recursive: true, force: true });
    }
  });
});
