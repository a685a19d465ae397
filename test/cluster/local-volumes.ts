import { join } from 'node:path';
import type {
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1StorageClass,
} from '@kubernetes/client-node';

/**
 * The bed's storage as a cluster's dynamic provisioner gives it: a default
 * StorageClass, and for each claim of it a PersistentVolume made for that
 * claim (a hostPath folder under the bed's state), which the
 * controller-manager's PersistentVolume controller then binds. Deciding is
 * pure and here; storage-provisioner.ts observes and acts.
 */
export const storageClassName = 'bed-local';
export const provisionerName = 'bed.pr-preview.dev/host-path';
/** Set by the PersistentVolume controller on claims it waits on an external provisioner for. */
const provisionerAnnotation = 'volume.kubernetes.io/storage-provisioner';
const provisionedBy = 'pv.kubernetes.io/provisioned-by';

export function storageClass(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: storageClassName,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: provisionerName,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

export interface ProvisionerPlan {
  create: V1PersistentVolume[];
  /** Volumes of ours whose claim is gone (Released), to delete with their folder. */
  remove: V1PersistentVolume[];
}

/** What to do so that every waiting claim of our class has a volume and no released one lingers. */
export function planVolumes(
  claims: readonly V1PersistentVolumeClaim[],
  volumes: readonly V1PersistentVolume[],
  root: string,
): ProvisionerPlan {
  const claimed = new Set(volumes.map((v) => v.spec?.claimRef?.uid).filter(Boolean));
  const create = claims
    .filter(
      (claim) =>
        claim.metadata?.annotations?.[provisionerAnnotation] === provisionerName &&
        claim.spec?.storageClassName === storageClassName &&
        !claim.spec.volumeName &&
        !claim.metadata.deletionTimestamp &&
        (claim.status?.phase ?? 'Pending') === 'Pending' &&
        !claimed.has(claim.metadata.uid),
    )
    .map((claim) => volumeFor(claim, root));
  const remove = volumes.filter(
    (volume) =>
      volume.metadata?.annotations?.[provisionedBy] === provisionerName &&
      volume.spec?.persistentVolumeReclaimPolicy === 'Delete' &&
      volume.status?.phase === 'Released' &&
      !volume.metadata.deletionTimestamp,
  );
  return { create, remove };
}

/** The volume made for one claim, bound to it by claimRef, as external provisioners make them. */
export function volumeFor(claim: V1PersistentVolumeClaim, root: string): V1PersistentVolume {
  const namespace = claim.metadata?.namespace ?? '';
  const name = claim.metadata?.name ?? '';
  const uid = claim.metadata?.uid ?? '';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${uid}`, annotations: { [provisionedBy]: provisionerName } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName,
      hostPath: { path: volumePath(root, claim), type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
    },
  };
}

export function volumePath(root: string, claim: V1PersistentVolumeClaim): string {
  return join(root, `${claim.metadata?.namespace}_${claim.metadata?.name}_${claim.metadata?.uid}`);
}
