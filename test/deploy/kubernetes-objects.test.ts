import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import {
  applyObjects,
  immutableFieldReason,
  type ObjectApi,
  type WriteAnswer,
} from '../../src/deploy/kubernetes-objects.ts';

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

/** An API server stand-in that answers each write when the test says, recording the order. */
function heldWrites() {
  const log: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  const api = {
    applyAsWritten: (object: KubernetesObject) => {
      const name = `${object.kind}/${object.metadata?.name}`;
      log.push(`sent ${name}`);
      return new Promise<WriteAnswer>((resolve, reject) => {
        pending.set(name, {
          resolve: () => resolve({ object, warnings: [`${name} warned`] }),
          reject,
        });
      });
    },
  } as unknown as ObjectApi;
  const settle = async (name: string, error?: unknown) => {
    await vi.waitFor(() => expect(pending.has(name)).toBe(true));
    const write = pending.get(name);
    pending.delete(name);
    if (error) write?.reject(error);
    else write?.resolve();
  };
  return { api, log, settle };
}

const object = (kind: string, name: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'app-1-pr-2-fr' },
});

describe('applyObjects', () => {
  it('sends each batch at once, and a workload only once what its pods read is in', async () => {
    const { api, log, settle } = heldWrites();
    const applied = applyObjects(
      api,
      [object('ConfigMap', 'a'), object('Service', 'web'), object('Deployment', 'app')],
      { dryRun: false },
    );
    await settle('Service/web');
    await vi.waitFor(() => expect(log).toEqual(['sent ConfigMap/a', 'sent Service/web']));
    await settle('ConfigMap/a');
    await settle('Deployment/app');
    const result = await applied;
    expect(log).toEqual(['sent ConfigMap/a', 'sent Service/web', 'sent Deployment/app']);
    // In the objects' order, however the answers came.
    expect(result.warnings.map((w) => w.messages[0])).toEqual([
      'ConfigMap/a warned',
      'Service/web warned',
      'Deployment/app warned',
    ]);
  });

  it('stops at a refused object once the rest of its batch has settled', async () => {
    const { api, log, settle } = heldWrites();
    const applied = applyObjects(
      api,
      [object('ConfigMap', 'a'), object('ConfigMap', 'b'), object('Deployment', 'app')],
      { dryRun: false },
    );
    const outcome = applied.then(
      () => 'applied',
      (error: unknown) => (error as Error).message,
    );
    await settle('ConfigMap/a', refusal(422, 'ConfigMap "a" is invalid: data: Too long'));
    await settle('ConfigMap/b');
    expect(await outcome).toBe(
      'the API server rejected ConfigMap `a`: ConfigMap "a" is invalid: data: Too long',
    );
    expect(log).toEqual(['sent ConfigMap/a', 'sent ConfigMap/b']);
  });

  it('sends every object at once when none needs another (atOnce)', async () => {
    const { api, log, settle } = heldWrites();
    const applied = applyObjects(
      api,
      [object('ResourceQuota', 'quota'), object('LimitRange', 'limits'), object('Secret', 'pull')],
      { dryRun: false, atOnce: true },
    );
    await vi.waitFor(() => expect(log).toHaveLength(3));
    for (const name of ['Secret/pull', 'ResourceQuota/quota', 'LimitRange/limits']) {
      await settle(name);
    }
    const result = await applied;
    expect(result.warnings.map((w) => w.messages[0])).toEqual([
      'ResourceQuota/quota warned',
      'LimitRange/limits warned',
      'Secret/pull warned',
    ]);
  });
});
