import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { replaceDecision } from '../../src/plan/replace.ts';

const object = (apiVersion: string, kind: string) =>
  ({ apiVersion, kind, metadata: { name: 'data' } }) as KubernetesObject;
const immutable = 'spec: Forbidden: spec is immutable after creation';

describe('replaceDecision', () => {
  it.each([
    ['a Job whose template changed', object('batch/v1', 'Job'), undefined, true],
    ['a Service whose clusterIP changed', object('v1', 'Service'), undefined, true],
    ['a StatefulSet that keeps its claims', object('apps/v1', 'StatefulSet'), { spec: {} }, true],
    [
      'a StatefulSet whose claims go with it',
      object('apps/v1', 'StatefulSet'),
      { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } } },
      false,
    ],
    [
      'a PersistentVolumeClaim whose storage class changed',
      object('v1', 'PersistentVolumeClaim'),
      undefined,
      false,
    ],
  ])('%s: replaced %s', (_what, target, live, replaced) => {
    const decision = replaceDecision({
      object: target,
      immutable,
      ...(live ? { live: live as KubernetesObject } : {}),
    });
    expect(decision.replace).toBe(replaced);
  });

  it('says what to do instead', () => {
    expect(replaceDecision({ object: object('v1', 'PersistentVolumeClaim'), immutable })).toEqual({
      replace: false,
      reason:
        'PersistentVolumeClaim `data` cannot change in place (spec: Forbidden: spec is immutable after creation), and deleting it would delete its volume and data, so the app does not; change it back, delete it yourself, or start the preview afresh with `/preview redeploy`',
    });
  });
});
