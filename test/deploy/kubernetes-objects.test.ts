import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { immutableFieldReason } from '../../src/deploy/kubernetes-objects.ts';

const refusal = (code: number, message: string) =>
  new ApiException(code, 'refused', JSON.stringify({ kind: 'Status', message }), {});

describe('immutableFieldReason', () => {
  it.each([
    'Job.batch "migrate" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable',
    'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
    'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable',
    "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
  ])('recognises %s', (message) => {
    expect(immutableFieldReason(refusal(422, message))).toBe(message);
  });

  it('leaves every other refusal alone', () => {
    expect(
      immutableFieldReason(
        refusal(422, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1'),
      ),
    ).toBeUndefined();
    expect(immutableFieldReason(refusal(409, 'field is immutable'))).toBeUndefined();
  });
});
