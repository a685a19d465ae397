import type { Probot } from 'probot';
import { backgroundScope } from '../pull-request-scope.ts';
import { destroyPreviews } from '../execute/destroy-previews.ts';
import { enqueueForPullRequest, type QueueScope } from '../execute/enqueue.ts';
import { JobSignal } from '../execute/lease-guard.ts';
import { destroyDeps, sleepDeps, tearDownDeps } from '../execute/job-deps.ts';
import { queueKeyOf } from '../pull-request-scope.ts';
import { runPullRequestJob } from '../execute/run-pull-request-job.ts';
import { sleepPreviews } from '../execute/sleep-previews.ts';
import { tearDown } from '../execute/tear-down.ts';
import { warnOfExpiry } from '../execute/warn-of-expiry.ts';
import { sightingOf } from '../github/confirm-gone.ts';
import { destroyConfirmed, needsConfirmation } from '../plan/confirm-destroy.ts';
import type { ReconcileAction } from '../plan/plan-reconcile.ts';
import { planReconcileDestroy } from '../plan/reconcile-destroy.ts';
import { previewSelector } from '../plan/targets.ts';
import type { Logger } from '../ports.ts';
import type { Services } from '../services.ts';

type DestroyAction = Extract<ReconcileAction, { kind: 'destroy' }>;

/**
 * Queues one repair of a reconcile pass, as work of its pull request: in its
 * queue, under its Lease, like the work of a webhook. Work already under way
 * for that pull request is left alone: it shows as behind or half-deployed,
 * and is not lost.
 */
export async function queueRepair(
  app: Probot,
  services: Services,
  action: ReconcileAction,
): Promise<void> {
  const number = action.kind === 'sync' ? action.pull.number : action.pullRequest;
  const repositoryId = action.kind === 'destroy' ? action.repositoryId : action.repository.id;
  const pr = { repositoryId, number };
  if (services.queue.isBusy(queueKeyOf(pr)) || (await services.locks.isHeld(pr))) return;
  if (action.kind === 'destroy' && !action.repository) {
    queueOrphanDestroy(app, services, action);
    return;
  }
  const repository = action.repository as NonNullable<typeof action.repository>;
  const scope = await backgroundScope(app, services, repository, number, 'reconciler');
  if (action.kind === 'sync') {
    const { pull } = action;
    void enqueueForPullRequest(services, scope, 'reconcile sync', () =>
      runPullRequestJob(services, {
        ...scope,
        event: {
          action: 'reconcile',
          labels: pull.labels,
          headSha: pull.headSha,
          state: 'open',
          fromFork: pull.fromFork ?? false,
        },
      }),
    );
    return;
  }
  if (action.kind === 'sleep') {
    // planReconcile plans no sleep without a wake backend (`sleepOff`).
    const { wake } = services.settings.sleep;
    if (!wake) return;
    void enqueueForPullRequest(services, scope, 'sleep', async () => {
      const observed = await services.cluster.listPreviews(previewSelector(scope.pr));
      await sleepPreviews(
        { ...sleepDeps(services, scope), wake },
        {
          previews: observed.filter((p) => action.namespaces.includes(p.namespace)),
          now: Date.now(),
        },
      );
    });
    return;
  }
  if (action.kind === 'warn-expiry') {
    void enqueueForPullRequest(services, scope, 'expiry warning', () =>
      warnOfExpiry(
        { ...sleepDeps(services, scope), conversation: scope.conversation() },
        { pr: scope.pr, namespaces: action.namespaces, now: Date.now() },
      ),
    );
    return;
  }
  void enqueueForPullRequest(services, scope, 'reconcile destroy', async () => {
    if (!(await confirmed(app, action, scope.logger))) return;
    const listed = await services.cluster.listPreviews(previewSelector(scope.pr));
    const step = planReconcileDestroy(action, listed, Date.now());
    if (step.kind === 'skip') {
      scope.logger.info({ why: step.why }, 'reconcile destroy no longer due');
      return;
    }
    await destroyPreviews(destroyDeps(services, scope), {
      pr: number,
      selection: step.selection,
      observed: step.doomed,
      reason: step.reason,
      ...(step.status ? { status: step.status } : {}),
    });
    if (step.closeComment) await scope.comment.close();
  });
}

/**
 * Previews whose repository GitHub no longer shows the app: nobody can be
 * told, and the cluster is cleaned all the same, once GitHub confirms, in
 * the pull request's queue and under its Lease.
 */
function queueOrphanDestroy(app: Probot, services: Services, action: DestroyAction): void {
  const pr = { repositoryId: action.repositoryId, number: action.pullRequest };
  const logger = services.logger.child({
    repo: action.repositoryName,
    pr: action.pullRequest,
    reason: action.reason,
  });
  const scope: QueueScope = {
    pr,
    queueKey: queueKeyOf(pr),
    logger,
    stop: new JobSignal(),
  };
  void enqueueForPullRequest(services, scope, 'orphan destroy', async () => {
    if (!(await confirmed(app, action, logger))) return;
    const observed = await services.cluster.listPreviews(previewSelector(pr));
    const doomed = observed.filter((p) => action.namespaces.includes(p.namespace));
    await tearDown(tearDownDeps(services, scope), doomed);
    services.metrics.destroyFinished('success', doomed.length);
    logger.info({ namespaces: doomed.map((p) => p.namespace) }, 'orphaned previews destroyed');
  });
}

/** Observe, then decide: a destroy planned from a listing goes ahead once GitHub confirms it. */
async function confirmed(app: Probot, action: DestroyAction, logger: Logger): Promise<boolean> {
  const sighting = needsConfirmation(action.reason) ? await sightingOf(app, action) : undefined;
  const decision = destroyConfirmed(action.reason, sighting);
  if (!decision.destroy) logger.info({ why: decision.why }, 'not destroyed');
  return decision.destroy;
}

export function describeAction(action: ReconcileAction): string {
  if (action.kind === 'sync')
    return `sync ${action.repository.owner}/${action.repository.name}#${action.pull.number}`;
  if (action.kind === 'sleep') return `sleep ${action.namespaces.join(', ')}`;
  if (action.kind === 'warn-expiry') return `warn of expiry ${action.namespaces.join(', ')}`;
  return `destroy ${action.namespaces.join(', ')} (${action.reason})`;
}
