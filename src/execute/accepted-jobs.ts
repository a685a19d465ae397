import type { Probot } from 'probot';
import type { PullRequestConversation } from '../ports.ts';
import type { AcceptedJob } from '../plan/accepted-work.ts';
import { LeaseLost } from '../queue/held-lease.ts';
import type { Services } from '../services.ts';
import { backgroundScope } from '../pull-request-scope.ts';
import { enqueueForPullRequest, type QueueScope } from './enqueue.ts';
import { queueKeyOf, type PullRequestScope } from '../pull-request-scope.ts';
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
  const recorded = await withDeadline(
    services.work.accept(job),
    acceptDeadlineMs,
    'the job could not be recorded in time; GitHub is told the delivery failed',
  );
  services.deliveries.remember(job.delivery);
  if (!recorded) {
    fresh.scope.logger.info({ delivery: job.delivery }, 'this delivery was accepted before');
    return false;
  }
  startJob(app, services, recorded, fresh);
  return true;
}

/**
 * How long recording a job may take: GitHub's webhook library answers 202 by
 * itself after 9 s, and an answer must never say more than was recorded.
 */
const acceptDeadlineMs = 5_000;

/** The promise's result, or a rejection once `ms` passed (the work itself goes on). */
export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
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
  let answered: Promise<boolean> = Promise.resolve(true);
  void enqueueForPullRequest(services, queueScope, `${job.work.kind} job`, async () => {
    try {
      const current = await services.work.begin(job.id);
      if (!current) return;
      const { sent, failure } = await runAccepted(app, services, current, queueScope, fresh);
      answered = sent;
      if (failure) throw failure;
    } catch (error) {
      if (queueScope.stop.signal.aborted && queueScope.stop.signal.reason instanceof LeaseLost) {
        again = true;
        return;
      }
      // Failures are the log's and the reconciler's: the record goes with the job.
      throw error;
    }
  }).finally(() => {
    if (again) {
      services.queuedJobs.delete(job.id);
      startJob(app, services, job);
      return;
    }
    // Kept while its answer waits in the outbox: a pass or a start sends one given up.
    const finishing = answered
      .then((sent) => (sent ? services.work.done(job.id) : undefined))
      .catch((error: unknown) =>
        queueScope.logger.warn({ err: error }, 'could not drop a finished job'),
      )
      .finally(() => {
        services.queuedJobs.delete(job.id);
        services.finishing.delete(finishing);
      });
    services.finishing.add(finishing);
  });
}

/**
 * Runs the recorded job; `sent` resolves once its GitHub answer (a
 * command's) has left, true when it was sent. A command that failed is
 * answered and its failure returned, to be logged once the answer is kept.
 */
async function runAccepted(
  app: Probot,
  services: Services,
  job: AcceptedJob,
  queueScope: QueueScope,
  fresh: FreshScope | undefined,
): Promise<{ sent: Promise<boolean>; failure?: unknown }> {
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
      return { sent: Promise.resolve(true) };
    case 'checks':
      await runChecksJob(services, { ...scope, sha: work.sha });
      return { sent: Promise.resolve(true) };
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
