import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';
import { log, onChanges } from './informers.ts';
import { planVolumes } from './local-volumes.ts';

/**
 * The bed's dynamic provisioner for its default StorageClass (local-volumes.ts):
 * observes claims and volumes, plans, creates a volume per waiting claim (its
 * folder first) and deletes released ones with their folder, then observes
 * again. Binding is the PersistentVolume controller's work, as in a cluster.
 */
export interface ProvisionerSettings {
  kubeconfig: string;
  /** Where the volumes' folders live, under the bed's state. */
  root: string;
  /** Written once the first plan ran. */
  readyFile: string;
}

function statusOf(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

async function run(settings: ProvisionerSettings): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(settings.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const claims = makeInformer<V1PersistentVolumeClaim>(kc, '/api/v1/persistentvolumeclaims', () =>
    core.listPersistentVolumeClaimForAllNamespaces(),
  );
  const volumes = makeInformer<V1PersistentVolume>(kc, '/api/v1/persistentvolumes', () =>
    core.listPersistentVolume(),
  );
  const act = async () => {
    const plan = planVolumes(claims.list(), volumes.list(), settings.root);
    for (const volume of plan.create) {
      const path = volume.spec?.hostPath?.path ?? '';
      mkdirSync(path, { recursive: true });
      try {
        await core.createPersistentVolume({ body: volume });
        const ref = volume.spec?.claimRef;
        log(`created ${volume.metadata?.name} for ${ref?.namespace}/${ref?.name} at ${path}`);
      } catch (error) {
        // Made already, before the informer saw it.
        if (statusOf(error) !== 409) log(`cannot create ${volume.metadata?.name}: ${error}`);
      }
    }
    for (const volume of plan.remove) {
      try {
        await core.deletePersistentVolume({ name: volume.metadata?.name ?? '' });
        rmSync(volume.spec?.hostPath?.path ?? '', { recursive: true, force: true });
        log(`deleted released ${volume.metadata?.name}`);
      } catch (error) {
        if (statusOf(error) !== 404) log(`cannot delete ${volume.metadata?.name}: ${error}`);
      }
    }
  };
  let pending: NodeJS.Timeout | undefined;
  let acting = Promise.resolve();
  const schedule = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      acting = acting.then(act);
    }, 50);
  };
  onChanges(claims, schedule);
  onChanges(volumes, schedule);
  await Promise.all([claims.start(), volumes.start()]);
  mkdirSync(settings.root, { recursive: true });
  await act();
  writeFileSync(settings.readyFile, `${new Date().toISOString()}\n`);
}

if (import.meta.main) {
  const [kubeconfig, root, readyFile] = process.argv.slice(2);
  if (!kubeconfig || !root || !readyFile) {
    throw new Error('usage: storage-provisioner.ts <kubeconfig> <volumes-dir> <ready-file>');
  }
  await run({ kubeconfig, root, readyFile });
}
