import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { planVolumes, provisionerName, storageClass, storageClassName } from './local-volumes.ts';

function claim(overrides: {
  uid?: string;
  storageClassName?: string;
  annotated?: boolean;
  phase?: string;
  volumeName?: string;
}): V1PersistentVolumeClaim {
  return {
    metadata: {
      name: 'data',
      namespace: 'shop-pr-3',
      uid: overrides.uid ?? 'u-1',
      ...(overrides.annotated === false
        ? {}
        : { annotations: { 'volume.kubernetes.io/storage-provisioner': provisionerName } }),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '2Gi' } },
      storageClassName: overrides.storageClassName ?? storageClassName,
      ...(overrides.volumeName ? { volumeName: overrides.volumeName } : {}),
    },
    status: { phase: overrides.phase ?? 'Pending' },
  };
}

function volume(name: string, phase: string, ours = true, uid = 'u-9'): V1PersistentVolume {
  return {
    metadata: {
      name,
      annotations: ours ? { 'pv.kubernetes.io/provisioned-by': provisionerName } : {},
    },
    spec: { persistentVolumeReclaimPolicy: 'Delete', claimRef: { uid } },
    status: { phase },
  };
}

describe('planVolumes', () => {
  it('makes a volume bound to a waiting claim by claimRef, sized and shaped as asked', () => {
    const plan = planVolumes([claim({})], [], '/bed/volumes');
    expect(plan).toEqual({
      create: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: {
            name: 'pvc-u-1',
            annotations: { 'pv.kubernetes.io/provisioned-by': provisionerName },
          },
          spec: {
            capacity: { storage: '2Gi' },
            accessModes: ['ReadWriteOnce'],
            volumeMode: 'Filesystem',
            persistentVolumeReclaimPolicy: 'Delete',
            storageClassName,
            hostPath: { path: '/bed/volumes/shop-pr-3_data_u-1', type: 'DirectoryOrCreate' },
            claimRef: {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              namespace: 'shop-pr-3',
              name: 'data',
              uid: 'u-1',
            },
          },
        },
      ],
      remove: [],
    });
  });

  it.each([
    ['of another class', claim({ storageClassName: 'fast' })],
    ['not yet handed to us by the PersistentVolume controller', claim({ annotated: false })],
    ['already Bound', claim({ phase: 'Bound', volumeName: 'pvc-u-1' })],
    ['naming a volume itself', claim({ volumeName: 'handmade' })],
  ])('leaves a claim %s alone', (_, subject) => {
    expect(planVolumes([subject], [], '/bed/volumes').create).toEqual([]);
  });

  it('makes no second volume for a claim whose volume is not bound yet', () => {
    expect(
      planVolumes([claim({})], [volume('pvc-u-1', 'Available', true, 'u-1')], '/v').create,
    ).toEqual([]);
  });

  it('removes released volumes of its own only', () => {
    const plan = planVolumes(
      [],
      [
        volume('released', 'Released'),
        volume('bound', 'Bound'),
        volume('someone-elses', 'Released', false),
      ],
      '/v',
    );
    expect(plan.remove.map((v) => v.metadata?.name)).toEqual(['released']);
  });
});

describe('storageClass', () => {
  it('is the default class and names the provisioner', () => {
    expect(storageClass()).toMatchObject({
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: provisionerName,
      reclaimPolicy: 'Delete',
    });
  });
});
