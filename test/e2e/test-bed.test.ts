import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  PatchStrategy,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { helmLdflags } from '../cluster/tools.ts';
import { versions } from '../cluster/versions.ts';
import { clients, eventually, namespaceGone } from './support/kube.ts';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const namespace = 'bed-check';
const { core, apps, objects } = clients();

function deployment(replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] },
      },
    },
  };
}

async function apply(object: KubernetesObject, manager: string, force: boolean) {
  return objects.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
}

describe('the test cluster is a real control plane', () => {
  beforeAll(async () => {
    if (!(await namespaceGone(core, namespace))) {
      await core.deleteNamespace({ name: namespace });
      await eventually('old namespace gone', async () =>
        (await namespaceGone(core, namespace)) ? true : undefined,
      );
    }
    await apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      'bed-test',
      true,
    );
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('runs a Deployment applied server-side until it is Available, its pods Running on kwok nodes', async () => {
    await apply(deployment(2), 'bed-test', true);
    const available = await eventually('Deployment Available', async () => {
      const current = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const condition = current.status?.conditions?.find((c) => c.type === 'Available');
      return condition?.status === 'True' && current.status?.readyReplicas === 2
        ? current
        : undefined;
    });
    expect(available.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toContainEqual([
      'bed-test',
      'Apply',
    ]);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.spec?.nodeName).toMatch(/^kwok-node-\d$/);
    }
  });

  it('rejects an Ingress with an invalid host, in the API server own words', async () => {
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'bad-host', namespace },
      spec: {
        ingressClassName: 'haproxy-v1',
        rules: [
          {
            host: 'Not_A_Host..bar.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { name: 'nginx' } } },
                },
              ],
            },
          },
        ],
      },
    };
    const error = await apply(ingress, 'bed-test', true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    const apiError = error as ApiException<string>;
    expect(apiError.code).toBe(422);
    const status = JSON.parse(apiError.body) as { reason: string; message: string };
    expect(status.reason).toBe('Invalid');
    expect(status.message).toContain('spec.rules[0].host: Invalid value: "Not_A_Host..bar.com"');
  });

  it('answers 409 to a conflicting apply from a second field manager, unless forced', async () => {
    const error = await apply(deployment(4), 'someone-else', false).then(
      () => undefined,
      (e: unknown) => e,
    );
    const apiError = error as ApiException<string>;
    expect(apiError.code).toBe(409);
    const status = JSON.parse(apiError.body) as { reason: string; message: string };
    expect(status.reason).toBe('Conflict');
    expect(status.message).toBe(
      'Apply failed with 1 conflict: conflict with "bed-test": .spec.replicas',
    );
    const forced = (await apply(deployment(4), 'someone-else', true)) as V1Deployment;
    expect(forced.spec?.replicas).toBe(4);
  });

  it('accepts every object that helm template renders from the fixture chart', async () => {
    const result = spawnSync(
      inject('helm'),
      [
        'template',
        'foo',
        join(fixtures, 'charts', 'foo'),
        '--namespace',
        namespace,
        '--values',
        join(fixtures, 'charts', 'foo', 'values-preview.yaml'),
      ],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rendered = yaml.loadAll(result.stdout).filter(Boolean) as KubernetesObject[];
    expect(rendered.map((o) => o.kind)).toEqual(['Service', 'Deployment']);
    for (const object of rendered) {
      object.metadata = { ...object.metadata, namespace };
      const applied = await apply(object, 'bed-test', true);
      expect(applied.metadata?.uid).toBeTruthy();
    }
    const service = await core.readNamespacedService({ name: 'foo-service', namespace });
    expect(service.spec?.ports?.[0]?.name).toBe('nginx');
  });

  it('has a helm stamped as its Makefile stamps a release: its version, and the Kubernetes it was built for', () => {
    const version = spawnSync(
      inject('helm'),
      ['version', '--template', '{{.Version}} {{.GitTreeState}}'],
      {
        encoding: 'utf8',
      },
    );
    expect(version.stdout).toBe(`${versions.helm} clean`);
    // Without --kube-version, helm assumes the Kubernetes of its client-go, not v1.20.0.
    const minor = /chartutil\.k8sVersionMinor=(\d+)/.exec(helmLdflags())?.[1];
    expect(minor).toBeDefined();
    const rendered = spawnSync(
      inject('helm'),
      [
        'template',
        'caps',
        join(fixtures, 'charts', 'shop'),
        '--show-only',
        'templates/capabilities.yaml',
      ],
      { encoding: 'utf8' },
    );
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toContain(`kubeVersion: "v1.${minor}.0"`);
  });

  it('removes the objects inside a namespace when the namespace is deleted', async () => {
    const scratch = 'bed-check-delete';
    await apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scratch } },
      'bed-test',
      true,
    );
    await apply(
      { ...deployment(1), metadata: { name: 'web', namespace: scratch } },
      'bed-test',
      true,
    );
    await apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cfg', namespace: scratch },
        data: { a: 'b' },
      } as KubernetesObject,
      'bed-test',
      true,
    );
    await eventually('pod scheduled', async () => {
      const pods = await core.listNamespacedPod({ namespace: scratch });
      return pods.items.some((p) => p.status?.phase === 'Running') ? true : undefined;
    });
    await core.deleteNamespace({ name: scratch });
    await eventually('namespace gone', async () =>
      (await namespaceGone(core, scratch)) ? true : undefined,
    );
    const leftovers = await core.listConfigMapForAllNamespaces({
      fieldSelector: `metadata.namespace=${scratch}`,
    });
    expect(leftovers.items).toHaveLength(0);
    const pods = await core.listPodForAllNamespaces({
      fieldSelector: `metadata.namespace=${scratch}`,
    });
    expect(pods.items).toHaveLength(0);
  });
});
