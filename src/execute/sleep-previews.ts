import { planSleep, type WakeBackend } from '../plan/sleep.ts';
import type {
  Cluster,
  CommentRow,
  CommentState,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewComment,
  WakeTrigger,
} from '../ports.ts';
import { upsertRows } from './comment-rows.ts';
import { failureReason } from './deploy/failure-text.ts';

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
    await deps.comment.update((state) => withStatus(state, fresh, 'sleeping'));
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
  const outcomes = await Promise.all(
    params.previews
      .filter((p) => !p.terminating)
      .map(async (preview) => ({ preview, problem: await wakeOne(deps, preview, params.trigger) })),
  );
  const woken = outcomes.filter((o) => o.preview.sleepingSince);
  if (woken.length === 0) return;
  await deps.comment.update((state) => {
    let next = withStatus(
      state,
      woken.filter((o) => !o.problem).map((o) => o.preview),
      'ready',
    );
    for (const { preview, problem } of woken) {
      if (!problem) continue;
      next = withStatus(next, [preview], 'failed', `woke, but ${problem}`);
    }
    return next;
  });
}

/** Returns what went wrong, for the comment; throws only when the cluster could not be changed. */
async function wakeOne(
  deps: SleepDeps,
  preview: ObservedPreview,
  trigger: WakeTrigger,
): Promise<string | undefined> {
  const logger = deps.logger.child({ namespace: preview.namespace, tenant: preview.tenant });
  const now = () => new Date().toISOString();
  if (!preview.sleepingSince) {
    // Awake already: it counts as used, so its idle time starts again.
    await deps.cluster.restoreRoutesAndMarkAwake(preview.namespace, now());
    return undefined;
  }
  const started = Date.now();
  const workloads = await deps.cluster.restoreReplicas(preview.namespace);
  let problem: string | undefined;
  try {
    const rollout = await deps.cluster.waitForRollout(
      preview.namespace,
      workloads,
      preview.rolloutTimeoutMs ?? defaultRolloutTimeoutMs,
    );
    if (!rollout.ready) problem = `not ready: ${rollout.reasons.join('; ')}`;
  } catch (error) {
    problem = `not ready: ${failureReason(error)}`;
  }
  // Routes come back even when the rollout failed: visitors then see the preview's own error.
  await deps.cluster.restoreRoutesAndMarkAwake(preview.namespace, now());
  deps.metrics.woke(trigger);
  logger.info({ trigger, seconds: (Date.now() - started) / 1000, problem }, 'woke');
  return problem;
}

/**
 * The rows of these previews with a new status; a row the comment lacks is
 * added. A failed row stays failed through sleep and wake: the preview's
 * last deploy did not succeed, and the row says why, until a deploy does.
 */
function withStatus(
  state: CommentState,
  previews: ObservedPreview[],
  status: CommentRow['status'],
  reason?: string,
): CommentState {
  const rows = previews.map((preview): CommentRow => {
    const current = state.rows.find((r) => r.tenant === preview.tenant);
    if (current?.status === 'failed' && (status === 'sleeping' || status === 'ready')) {
      return current;
    }
    return {
      tenant: preview.tenant,
      url: current?.url ?? `https://${preview.host ?? ''}`,
      sha: preview.sha ?? current?.sha ?? '',
      status,
      ...(reason ? { reason } : {}),
    };
  });
  return upsertRows(state, rows);
}
