import type { Probot } from 'probot';
import type { PullRequestConversation } from '../github/pull-request-conversation.ts';
import type { AcceptedJob } from '../plan/accepted-work.ts';
import { LeaseLost } from '../queue/held-lease.ts';
import type { Services } from '../services.ts';
import { backgroundScope } from './background-scope.ts';
import { enqueueForPullRequest, type QueueScope } from './enqueue.ts';
import { queueKeyOf, type PullRequestScope } from './job-scope.ts';
import { JobSignal } from './lease-guard.ts';
import { runChecksJob } from './run-checks-job.ts';
import { runCommandJob, sendAnswer } from './run-command-job.ts';
import { runPullRequestJob } from './run-pull-request-job.ts';

/** A webhook's own scope and conversation: a fresh job needs no new GitHub client. */
export interface FreshScope {
  scope: PullRequestScope;
  conversation?: PullRequestConversation;
}

/**
 * Records what a webhook asked for before the webhook is answered, then
 * queues it; false when this delivery was recorded before (a redelivery).
 * While the replica shuts down the job is recorded and not queued: the next
 * start, or another replica's reconcile pass, takes it up.
 */
export async function acceptJob(
  app: Probot,
  services: Services,
  job: Omit<AcceptedJob, 'id' | 'attempts'>,
  fresh: FreshScope,
): Promise<boolean> {
  const recorded = await services.work.accept(job);
  if (!recorded) {
    fresh.scope.logger.info({ delivery: job.delivery }, 'this delivery was accepted before');
    return false;
  }
  startJob(app, services, recorded, fresh);
  return true;
}

/**
 * Queues a recorded job under its pull request's queue and Lease. Once it
 * holds the Lease it reads the record again (another replica may have done
 * it meanwhile) and counts the try; done, the record goes (a command's once
 * its answer has left). A job stopped by a lost Lease is queued again.
 */
export function startJob(
  app: Probot,
  services: Services,
  job: AcceptedJob,
  fresh?: FreshScope,
): void {
  if (services.queue.isClosed || services.queuedJobs.has(job.id)) return;
  services.queuedJobs.add(job.id);
  const pr = { repositoryId: job.repository.id, number: job.number };
  const queueScope: QueueScope = fresh?.scope ?? {
    pr,
    queueKey: queueKeyOf(pr),
    logger: services.logger.child({
      repo: `${job.repository.owner}/${job.repository.name}`,
      pr: job.number,
      delivery: job.delivery,
      resumed: true,
    }),
    stop: new JobSignal(),
  };
  let again = false;
  void enqueueForPullRequest(services, queueScope, `${job.work.kind} job`, async () => {
    try {
      const current = await services.work.begin(job.id);
      if (!current) return;
      const { sent } = await runAccepted(app, services, current, queueScope, fresh);
      void sent
        .then(() => services.work.done(job.id))
        .catch((error: unknown) =>
          queueScope.logger.warn({ err: error }, 'could not drop a finished job'),
        );
    } catch (error) {
      if (queueScope.stop.signal.aborted && queueScope.stop.signal.reason instanceof LeaseLost) {
        again = true;
        return;
      }
      // Failures are the log's and the reconciler's: the record goes with the job.
      await services.work.done(job.id).catch(() => undefined);
      throw error;
    }
  }).finally(() => {
    services.queuedJobs.delete(job.id);
    if (again) startJob(app, services, job);
  });
}

/** Runs the recorded job; `sent` resolves once its GitHub answer (a command's) has left. */
async function runAccepted(
  app: Probot,
  services: Services,
  job: AcceptedJob,
  queueScope: QueueScope,
  fresh: FreshScope | undefined,
): Promise<{ sent: Promise<unknown> }> {
  const resumed = fresh
    ? undefined
    : await backgroundScope(app, services, job.repository, job.number, 'resume', {
        stop: queueScope.stop,
        logger: queueScope.logger,
      });
  const scope = fresh?.scope ?? (resumed as PullRequestScope);
  const conversation = () =>
    fresh?.conversation ?? (resumed as NonNullable<typeof resumed>).conversation();
  const { work } = job;
  switch (work.kind) {
    case 'pull_request':
      await runPullRequestJob(services, { ...scope, event: work.event });
      return { sent: Promise.resolve() };
    case 'checks':
      await runChecksJob(services, { ...scope, sha: work.sha });
      return { sent: Promise.resolve() };
    case 'command': {
      // Its commands ran before a restart: only the answer is left to send.
      if (job.answer) return { sent: sendAnswer(conversation(), work.commentId, job.answer) };
      return runCommandJob(services, {
        ...scope,
        commands: work.commands,
        author: work.author,
        commentId: work.commentId,
        commentedAt: work.commentedAt,
        pullAtComment: work.pullAtComment,
        conversation: conversation(),
        answered: (answer) => services.work.answered(job.id, answer),
      });
    }
  }
}
