import { describe, expect, it } from 'vitest';
import {
  parseWarnings,
  podSecurityLabels,
  podSecurityRefusals,
  podSecurityViolations,
} from '../../src/deploy/pod-security.ts';

/** Warning headers as kube-apiserver sends them for a workload whose pod template breaks a level. */
const baseline =
  '299 - "would violate PodSecurity \\"baseline:latest\\": privileged (container \\"app\\" must not set securityContext.privileged=true), hostPath volumes (volume \\"root\\")"';
const restricted =
  '299 - "would violate PodSecurity \\"restricted:latest\\": allowPrivilegeEscalation != false (container \\"app\\" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container \\"app\\" must set securityContext.runAsNonRoot=true)"';

describe('parseWarnings', () => {
  it('reads every warning of a header, its quotes unescaped', () => {
    expect(parseWarnings(`${baseline}, ${restricted}`)).toEqual([
      'would violate PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true), hostPath volumes (volume "root")',
      'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)',
    ]);
  });

  it('reads other warnings as they are, and nothing from no header', () => {
    expect(
      parseWarnings('299 - "autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+"'),
    ).toEqual(['autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+']);
    expect(parseWarnings(undefined)).toEqual([]);
    expect(parseWarnings('')).toEqual([]);
  });
});

describe('podSecurityViolations', () => {
  const warnings = parseWarnings(`${baseline}, ${restricted}`);

  it('keeps what breaks the enforced level only', () => {
    expect(podSecurityViolations(warnings, 'baseline')).toEqual([
      'privileged (container "app" must not set securityContext.privileged=true), hostPath volumes (volume "root")',
    ]);
    expect(podSecurityViolations(warnings, 'restricted')).toHaveLength(1);
    expect(podSecurityViolations(warnings, 'privileged')).toEqual([]);
    expect(podSecurityViolations(['some other warning'], 'baseline')).toEqual([]);
  });

  it('names each object and what it breaks', () => {
    expect(
      podSecurityRefusals(
        [
          { ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, messages: warnings },
          { ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c' }, messages: ['deprecated'] },
        ],
        'baseline',
      ),
    ).toEqual([
      'Deployment `web` breaks the Pod Security level "baseline" of previews: privileged (container "app" must not set securityContext.privileged=true), hostPath volumes (volume "root")',
    ]);
  });
});

describe('podSecurityLabels', () => {
  it('enforces the level given and warns and audits at restricted', () => {
    expect(podSecurityLabels('baseline')).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'latest',
    });
  });
});
