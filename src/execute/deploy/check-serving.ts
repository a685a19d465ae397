import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../../config/resolve-config.ts';
import { refOf } from '../../plan/object-identity.ts';
import { UserFacingError } from '../../errors.ts';
import type { PreviewTarget } from '../../plan/types.ts';
import type { Cluster, SmokeProbe } from '../../ports.ts';

/** A preview that was applied but did not come up, or did not answer its smoke check. */
export class NotServingError extends UserFacingError {
  override name = 'NotServingError';
}

/** The rollout phase: the release's own Deployments, StatefulSets and Jobs become ready. */
export async function awaitRollout(params: {
  cluster: Cluster;
  namespace: string;
  objects: KubernetesObject[];
  timeoutMs: number;
}): Promise<void> {
  const rollout = await params.cluster.waitForRollout(
    params.namespace,
    params.objects.map(refOf),
    params.timeoutMs,
  );
  if (!rollout.ready) throw new NotServingError(`rollout failed: ${rollout.reasons.join('\n')}`);
}

/** The smoke check, when configured; returns what the comment shows of its answer. */
export async function smokeCheck(params: {
  smoke: SmokeProbe | undefined;
  target: PreviewTarget;
  config: PreviewConfig;
}): Promise<string | undefined> {
  const { smoke, target, config } = params;
  if (!config.smoke || !smoke) return undefined;
  const answer = await smoke.probe(target.host, config.smoke.path);
  const request = `GET ${config.smoke.path}`;
  if ('error' in answer)
    throw new NotServingError(`smoke check ${request} failed: ${answer.error}`);
  if (answer.status >= 400)
    throw new NotServingError(`smoke check ${request} answered ${answer.status}`);
  return `${request} → ${answer.status}`;
}
