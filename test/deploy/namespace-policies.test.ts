import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import {
  copiedSecrets,
  defaultNamespacePolicy,
  namespacePolicies,
} from '../../src/deploy/namespace-policies.ts';
import { redactValues } from '../../src/deploy/redact.ts';
import { buildTargets } from '../../src/plan/targets.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 1, installationId: 2, number: 3 };
const config = parseConfig({ tenants: ['fr'] }, 'foo');
if (!config.ok) throw new Error('config');
const built = buildTargets({
  pr,
  config: config.config,
  domain: 'preview.bar.com',
  sha: 'a',
  tenants: ['fr'],
  origin: 'label',
});
if (!built.ok) throw new Error('targets');
const target = built.targets[0]!;

describe('namespacePolicies', () => {
  it('gives every preview namespace a quota, container defaults and a network policy', () => {
    const [quota, limits, network] = namespacePolicies(target, {
      ...defaultNamespacePolicy,
      ingressNamespace: 'haproxy',
    }) as Record<string, any>[];
    expect(quota).toMatchObject({
      kind: 'ResourceQuota',
      metadata: { namespace: 'foo-pr-3-fr', labels: target.labels },
      spec: { hard: defaultNamespacePolicy.quota },
    });
    // Storage and object counts as well as compute: a preview's size is bounded whole.
    expect(quota?.spec.hard).toMatchObject({
      'requests.storage': '20Gi',
      persistentvolumeclaims: '10',
      'requests.ephemeral-storage': '10Gi',
      'count/configmaps': '10',
      'count/secrets': '10',
      'count/rolebindings.rbac.authorization.k8s.io': '20',
    });
    expect(limits?.spec.limits[0]).toEqual({
      type: 'Container',
      defaultRequest: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '50Mi' },
      default: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' },
    });
    expect(network?.metadata.name).toBe('pr-preview-isolation');
    expect(network?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(network?.spec.ingress[0].from[1]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'haproxy' } },
    });
  });
});

describe('copiedSecrets', () => {
  it("copies the app's secrets into the preview namespace under the preview's labels", () => {
    expect(
      copiedSecrets(target, [
        {
          name: 'registry',
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': 'e30=' },
        },
      ]),
    ).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'registry',
          namespace: 'foo-pr-3-fr',
          labels: target.labels,
          annotations: target.annotations,
        },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': 'e30=' },
      },
    ]);
  });
});

describe('redactValues', () => {
  it('removes secret values, encoded and decoded, from text', () => {
    const encoded = Buffer.from('hunter2-password').toString('base64');
    expect(redactValues(`failed: hunter2-password and ${encoded}`, [encoded])).toBe(
      'failed: [redacted] and [redacted]',
    );
  });
});
