import { setTimeout as delay } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../../plan/preview-config.ts';
import { refOf } from '../../plan/object-identity.ts';
import { UserFacingError } from '../../errors.ts';
import type { PreviewTarget } from '../../plan/types.ts';
import type { Cluster, SmokeProbe } from '../../ports.ts';
import { judgeSmokeAnswer } from '../../plan/smoke-check.ts';
import { awayFromSlot } from '../../queue/keyed-queue.ts';

/** A preview that was applied but did not come up, or did not answer its smoke check. */
export class NotServingError extends UserFacingError {
  override name = 'NotServingError';
}

/**
 * The rollout phase: the release's own Deployments, StatefulSets and Jobs
 * become ready. Like every wait on the cluster, it lends the job's place in
 * the queue meanwhile.
 */
export async function awaitRollout(params: {
  cluster: Cluster;
  namespace: string;
  objects: KubernetesObject[];
  timeoutMs: number;
}): Promise<void> {
  const rollout = await awayFromSlot(() =>
    params.cluster.waitForRollout(params.namespace, params.objects.map(refOf), params.timeoutMs),
  );
  if (!rollout.ready) throw new NotServingError(`rollout failed: ${rollout.reasons.join('\n')}`);
}

/**
 * The smoke check, when configured: asked through the ingress controller
 * until the host answers, or until the rollout's timeout if it only answers
 * as a host not serving yet (see `judgeSmokeAnswer`). Returns what the
 * comment shows of its answer.
 */
export async function smokeCheck(params: {
  smoke: SmokeProbe | undefined;
  target: PreviewTarget;
  config: PreviewConfig;
  clock?: { now(): number; sleep(ms: number): Promise<void> };
}): Promise<string | undefined> {
  const { smoke, target, config } = params;
  if (!config.smoke || !smoke) return undefined;
  const clock = params.clock ?? { now: Date.now, sleep: (ms: number) => delay(ms) };
  const request = `GET ${config.smoke.path}`;
  const deadline = clock.now() + config.rolloutTimeoutMs;
  const path = config.smoke.path;
  return awayFromSlot(async () => {
    for (let attempt = 0; ; attempt++) {
      const answer = await smoke.probe(target.host, path);
      const judged = judgeSmokeAnswer(answer, attempt, deadline - clock.now());
      if (judged.verdict === 'passed') return `${request} → ${judged.status}`;
      if (judged.verdict === 'failed') {
        throw new NotServingError(`smoke check ${request} ${judged.why}`);
      }
      await clock.sleep(judged.afterMs);
    }
  });
}
