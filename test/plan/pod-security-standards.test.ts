import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PodSecurityLevel } from '../../src/ports.ts';
import {
  podSecurityFindings,
  podSecurityViolation,
  podTemplateOf,
} from '../../src/plan/pod-security-standards.ts';
import type { PodMetadata, PodSpec } from '../../src/plan/pod-security-spec.ts';

interface PodCase {
  name: string;
  level: PodSecurityLevel;
  metadata: PodMetadata;
  spec: PodSpec;
  /** What Pod Security admission's own code says (fixtures/pod-security/oracle), null for a pass. */
  violation: string | null;
}

const cases = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pod-security', 'cases.json'),
    'utf8',
  ),
) as PodCase[];

describe('the Pod Security Standards, judged offline', () => {
  it('has a case for every documented control, at both levels', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.level))).toEqual(new Set(['baseline', 'restricted']));
    const refused = cases.filter((c) => c.violation).map((c) => c.violation as string);
    // Every reason the admission gives (docs: Baseline and Restricted tables) is exercised.
    for (const reason of [
      'forbidden AppArmor profiles',
      'non-default capabilities',
      'host namespaces',
      'hostPath volumes',
      'hostPort',
      'probe or lifecycle host',
      'privileged',
      'procMount',
      'seLinuxOptions',
      'seccompProfile',
      'forbidden sysctls',
      'hostProcess',
      'allowPrivilegeEscalation != false',
      'unrestricted capabilities',
      'restricted volume types',
      'runAsNonRoot != true',
      'runAsUser=0',
    ]) {
      expect(
        refused.some((v) => v.includes(`${reason} (`)),
        reason,
      ).toBe(true);
    }
  });

  it.each(cases.map((c) => [`${c.name} at ${c.level}`, c] as const))(
    '%s: as the API server words it',
    (_, podCase) => {
      expect(podSecurityViolation(podCase.level, podCase.metadata, podCase.spec) ?? null).toBe(
        podCase.violation,
      );
    },
  );

  it('lets everything through at privileged', () => {
    for (const podCase of cases) {
      expect(podSecurityViolation('privileged', podCase.metadata, podCase.spec)).toBeUndefined();
    }
  });

  it('takes a volume without a source for the emptyDir the API server defaults it to', () => {
    const spec: PodSpec = {
      volumes: [{ name: 'scratch' }],
      containers: [
        {
          name: 'app',
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      ],
    };
    expect(podSecurityViolation('restricted', {}, spec)).toBeUndefined();
  });
});

describe('podTemplateOf', () => {
  const spec = { containers: [{ name: 'app', securityContext: { privileged: true } }] };
  const template = { metadata: { annotations: { a: 'b' } }, spec };

  it.each([
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { a: 'b' } }, spec }],
    [{ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template }],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template } }],
    [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { template } }],
    [{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { template } }],
    [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { template } }],
    [
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'rc' },
        spec: { template },
      },
    ],
    [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template } }],
    [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'c' },
        spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } },
      },
    ],
  ])('finds the pod of a %o', (object) => {
    expect(podTemplateOf(object as KubernetesObject)).toMatchObject({
      metadata: { annotations: { a: 'b' } },
      spec,
    });
  });

  it('finds none in other kinds', () => {
    expect(
      podTemplateOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
    ).toBeUndefined();
    expect(
      podTemplateOf({
        apiVersion: 'example.com/v1',
        kind: 'Deployment',
        spec: { template },
      } as KubernetesObject),
    ).toBeUndefined();
  });

  it('names each object whose pod breaks the level', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } },
    ] as KubernetesObject[];
    expect(podSecurityFindings(objects, 'baseline')).toEqual([
      {
        object: objects[0],
        violation: 'privileged (container "app" must not set securityContext.privileged=true)',
      },
    ]);
    expect(podSecurityFindings(objects, 'privileged')).toEqual([]);
  });
});
