import { planSleep, planWake, type WakeBackend } from '../plan/sleep.ts';
import type {
  Cluster,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewComment,
  WakeTrigger,
} from '../ports.ts';
import { withSleepStatus, withWokenRows } from '../plan/comment-rows.ts';
import { failureReason } from './deploy/failure-text.ts';
import { awayFromSlot } from '../queue/keyed-queue.ts';

export interface SleepDeps {
  cluster: Cluster;
  comment: PreviewComment;
  metrics: Metrics;
  logger: Logger;
}

/** A wake waits this long for workloads when the namespace does not say (deploys before sleep existed). */
const defaultRolloutTimeoutMs = 300_000;

/** Puts to sleep those of `previews` that still should (see `planSleep`), and says so in the comment. */
export async function sleepPreviews(
  deps: SleepDeps & { wake: WakeBackend },
  params: { previews: ObservedPreview[]; now: number },
): Promise<ObservedPreview[]> {
  const steps = planSleep(params.previews, params.now);
  for (const { preview, since, again } of steps) {
    await deps.cluster.sleep(preview.namespace, since, deps.wake);
    deps.logger.info(
      { namespace: preview.namespace, again },
      again ? 'scaled up without a wake: asleep again' : 'idle: asleep',
    );
  }
  const fresh = steps.filter((step) => !step.again).map((step) => step.preview);
  if (fresh.length > 0) {
    await deps.comment.update((state) => withSleepStatus(state, fresh, 'sleeping'));
  }
  return steps.map((step) => step.preview);
}

/**
 * Wakes previews: their workloads get their replicas back, and once they are
 * ready (or their rollout timeout has passed) their Ingresses their routes,
 * so a visitor sees the waking page until the preview can answer. An awake
 * preview's idle time starts again.
 */
export async function wakePreviews(
  deps: SleepDeps,
  params: { previews: ObservedPreview[]; trigger: Exclude<WakeTrigger, 'push'> },
): Promise<void> {
  const steps = planWake(params.previews);
  const outcomes = await Promise.all(
    steps.map(async ({ preview, asleep }) => {
      if (!asleep) {
        // Awake already: it counts as used, so its idle time starts again.
        await deps.cluster.restoreRoutesAndMarkAwake(preview.namespace, new Date().toISOString());
        return [];
      }
      return [{ preview, problem: await wakeOne(deps, preview, params.trigger) }];
    }),
  );
  const woken = outcomes.flat();
  if (woken.length === 0) return;
  await deps.comment.update((state) => withWokenRows(state, woken));
}

/** Returns what went wrong, for the comment; throws only when the cluster could not be changed. */
async function wakeOne(
  deps: SleepDeps,
  preview: ObservedPreview,
  trigger: WakeTrigger,
): Promise<string | undefined> {
  const logger = deps.logger.child({ namespace: preview.namespace, tenant: preview.tenant });
  const started = Date.now();
  const workloads = await deps.cluster.restoreReplicas(preview.namespace);
  let problem: string | undefined;
  try {
    const rollout = await awayFromSlot(() =>
      deps.cluster.waitForRollout(
        preview.namespace,
        workloads,
        preview.rolloutTimeoutMs ?? defaultRolloutTimeoutMs,
      ),
    );
    if (!rollout.ready) problem = `not ready: ${rollout.reasons.join('; ')}`;
  } catch (error) {
    problem = `not ready: ${failureReason(error)}`;
  }
  // Routes come back even when the rollout failed: visitors then see the preview's own error.
  await deps.cluster.restoreRoutesAndMarkAwake(preview.namespace, new Date().toISOString());
  deps.metrics.woke(trigger);
  logger.info({ trigger, seconds: (Date.now() - started) / 1000, problem }, 'woke');
  return problem;
}
