import { describe } from '../../plan/object-identity.ts';
import { refOf } from '../../plan/object-identity.ts';
import { UserFacingError, messageOf } from '../../errors.ts';
import { hasDeletePolicy, runsToCompletion, type Hook } from '../../plan/helm-hooks.ts';
import type { Cluster, Logger } from '../../ports.ts';
import type { HookStep } from '../../deploy/check-release.ts';
import { awayFromSlot } from '../../queue/keyed-queue.ts';

export class HookFailedError extends UserFacingError {
  override name = 'HookFailedError';
}

/**
 * Runs the hooks of one event in order, as helm does: each hook object is
 * created afresh (an earlier one of the same name is deleted first, so a Job
 * with a new template never meets an immutable field), a Job or Pod is
 * waited for until it completes, and the delete policies are honoured. The
 * first failure stops the rest and is thrown, naming the hook and why.
 */
export async function runHooks(params: {
  cluster: Cluster;
  logger: Logger;
  namespace: string;
  step: HookStep;
  timeoutMs: number;
}): Promise<void> {
  const { cluster, namespace, step, timeoutMs } = params;
  const remove = (hooks: Hook[]) =>
    cluster.deleteObjects(
      namespace,
      hooks.map((hook) => refOf(hook.object)),
      { waitMs: timeoutMs },
    );
  const done: Hook[] = [];
  for (const hook of step.hooks) {
    const name = `${step.event} hook ${describe(hook.object)}`;
    const logger = params.logger.child({ hook: describe(hook.object), event: step.event });
    const failure = await runOne({ cluster, namespace, hook, timeoutMs, remove });
    if (failure === undefined) {
      logger.info('hook succeeded');
      done.push(hook);
      continue;
    }
    logger.warn({ reason: failure }, 'hook failed');
    // helm removes what the policies ask for, and then reports the failure.
    const cleanup = [
      ...(hasDeletePolicy(hook, 'hook-failed') ? [hook] : []),
      ...done.filter((earlier) => hasDeletePolicy(earlier, 'hook-succeeded')),
    ];
    await remove(cleanup).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not remove hooks after a failure'),
    );
    throw new HookFailedError(`${name} failed: ${failure}`);
  }
  await remove(done.filter((hook) => hasDeletePolicy(hook, 'hook-succeeded')).reverse());
}

/** Creates one hook and waits for it; undefined when it succeeded, else why it failed. */
async function runOne(params: {
  cluster: Cluster;
  namespace: string;
  hook: Hook;
  timeoutMs: number;
  remove: (hooks: Hook[]) => Promise<void>;
}): Promise<string | undefined> {
  const { cluster, hook } = params;
  try {
    // A hook object always starts afresh: helm's before-hook-creation, which
    // is its default; where a chart asks otherwise, helm would fail on the
    // leftover with "already exists", and a preview replaces it instead.
    await params.remove([hook]);
    await cluster.apply([hook.object], { dryRun: false });
  } catch (error) {
    return `it could not be created: ${messageOf(error)}`;
  }
  if (!runsToCompletion(hook.object)) return undefined;
  const result = await awayFromSlot(() =>
    cluster.waitForCompletion(params.namespace, refOf(hook.object), params.timeoutMs),
  );
  return result.ready ? undefined : result.reasons.join('\n');
}
