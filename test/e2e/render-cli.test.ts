import type { KubernetesObject } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { KubernetesCluster } from '../../src/deploy/kubernetes-cluster.ts';
import { clients } from './support/kube.ts';
import { fixtureCharts } from './support/preview-world.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let checkout: string;

/** Runs the command as a chart author would, through npx and the package's own bin. */
function render(...args: string[]) {
  const result = spawnSync('npx', ['--no-install', 'pr-preview', 'render', ...args], {
    cwd: repoRoot,
    env: { ...process.env, HELM_BIN: inject('helm'), PREVIEW_DOMAIN: 'preview.bar.com' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  checkout = await mkdtemp(join(tmpdir(), 'render-cli-'));
  await mkdir(join(checkout, '.github'));
  await writeFile(join(checkout, '.github/preview.yml'), 'app: foo\ntenants: [fr, be, hr, hu]\n');
  await cp(join(fixtureCharts, 'foo'), join(checkout, '.cloud/charts/foo'), { recursive: true });
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
    const objects = yaml.loadAll(stdout) as KubernetesObject[];
    expect(objects.map((o) => o.kind)).toEqual([
      'ResourceQuota',
      'LimitRange',
      'NetworkPolicy',
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
      await new KubernetesCluster(kc).apply(objects, { dryRun: true });
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
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: other }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: open }\nspec: { type: NodePort, ports: [{ port: 80 }] }\n',
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
      expect(stderr).toContain('- Service `open` is of type NodePort');
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
    expect(stderr).toContain('--pr takes a pull request number');
    expect(stderr).toContain('Usage: pr-preview render');
  });
});
