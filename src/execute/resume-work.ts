import type { Probot } from 'probot';
import { planResume } from '../plan/accepted-work.ts';
import type { Logger } from '../ports.ts';
import type { Services } from '../services.ts';
import { startJob } from './accepted-jobs.ts';
import { backgroundScope, stickyCommentOf } from '../pull-request-scope.ts';
import { enqueueForPullRequest } from './enqueue.ts';
import { runChecksJob } from './run-checks-job.ts';

/** Sends of one comment GitHub refused in a row, after which passes leave it. */
const maxFailedSends = 5;

/**
 * Takes up what the cluster says was acknowledged and not finished: the
 * recorded jobs (at start all of them; on a reconcile pass those older than
 * `minAgeMs`, which no live replica is running, as a replica runs its own
 * at once), and the sticky comments GitHub is still owed. At start also the
 * rows waiting for checks, whose timers died with the process.
 */
export async function resumeWork(
  app: Probot,
  services: Services,
  options: { minAgeMs: number; logger: Logger },
): Promise<void> {
  const { logger } = options;
  const now = Date.now();
  const { resume, giveUp } = planResume({
    jobs: await services.work.pending(),
    queued: services.queuedJobs,
    now,
    minAgeMs: options.minAgeMs,
    identity: services.leases.identity,
  });
  for (const job of giveUp) {
    logger.error(
      { job: job.id, kind: job.work.kind, attempts: job.attempts, delivery: job.delivery },
      'a job was begun too often without finishing; it is given up',
    );
    await services.work.done(job.id);
  }
  if (resume.length > 0) logger.info({ jobs: resume.length }, 'taking up accepted jobs');
  for (const job of resume) startJob(app, services, job);

  for (const { key, changedAt, failedSends } of await services.comments.unsent()) {
    // GitHub refused it again and again (an archived repository, say): the next change tries.
    if (now - changedAt < options.minAgeMs || failedSends >= maxFailedSends) continue;
    stickyCommentOf(await app.auth(key.installationId), services, key).send();
  }

  if (options.minAgeMs > 0) return;
  for (const { key, shas } of await services.comments.waiting()) {
    const repository = {
      id: key.repositoryId,
      owner: key.owner,
      name: key.repo,
      installationId: key.installationId,
    };
    const scope = await backgroundScope(app, services, repository, key.number, 'resume');
    for (const sha of shas) {
      void enqueueForPullRequest(services, scope, 'checks job', () =>
        runChecksJob(services, { ...scope, sha }),
      );
    }
  }
}
