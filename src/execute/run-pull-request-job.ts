import { loadConfig } from '../config/load-config.ts';
import { planPullRequest, type PullRequestEvent } from '../plan/plan-pull-request.ts';
import { targetsToDeploy } from '../plan/plan-reconcile.ts';
import { knownFailureAt, type FailureRecord } from '../plan/failure-memory.ts';
import { previewSelector } from '../plan/targets.ts';
import type { Retirement } from '../plan/types.ts';
import type { ObservedPreview } from '../ports.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';
import type { Services } from '../services.ts';
import type { ChecksJobServices } from './run-checks-job.ts';
import { withProblems } from '../plan/comment-rows.ts';
import { deployWhenChecksPass } from './deploy-when-checks-pass.ts';
import { destroyDeps } from './job-deps.ts';
import { gatedDeployDeps } from './run-checks-job.ts';
import { destroyPreviews } from './destroy-previews.ts';

/** A pull request job deploys, waits for checks and destroys; and asks what failed before. */
export type PullRequestJobServices = ChecksJobServices;

export interface PullRequestJob extends PullRequestScope {
  event: PullRequestEvent;
}

/** One pull_request event, planned against what the cluster holds and carried out. */
export async function runPullRequestJob(
  services: PullRequestJobServices,
  job: PullRequestJob,
): Promise<void> {
  const { pr, logger } = job;
  const closed = job.event.action === 'closed';
  // A job may have waited behind others (a reconcile job too, queued behind a push): it
  // deploys the head as it is now. The head, the default branch's configuration and the
  // cluster need nothing of each other: asked at once.
  const [head, config, observed] = await Promise.all([
    closed ? undefined : job.readHead(),
    closed ? undefined : loadConfig(job.readConfig, pr.repo),
    services.cluster.listPreviews(previewSelector(pr)),
  ]);
  const event = head ? { ...job.event, headSha: head.sha, draft: head.draft } : job.event;
  const plan = planPullRequest({
    pr,
    event,
    config: config ?? { ok: false, problems: [] },
    domain: services.settings.previewDomain,
    observed: {
      deployed: observed
        .filter((p) => !p.terminating)
        .map((p) => ({ tenant: p.tenant, origin: p.origin })),
      ...(event.fromFork ? { approvedSha: (await job.comment.read()).approvedSha } : {}),
    },
  });
  logger.info({ action: plan.action, event: event.action, sha: event.headSha }, 'planned');
  switch (plan.action) {
    case 'skip':
      logger.debug({ reason: plan.reason }, 'nothing to do');
      return;
    case 'reject':
      logger.warn({ problems: plan.problems }, 'preview request refused');
      await job.comment.update((state) => withProblems(state, plan.problems));
      return;
    case 'retire':
      await retire(services, job, plan.retire, observed);
      await showIgnored(job, plan.ignored);
      return;
    case 'deploy': {
      if (!config?.ok) return;
      const live = await retire(services, job, plan.retire, observed);
      const expiredTenants =
        event.action === 'reconcile'
          ? (await job.comment.read()).rows
              .filter((r) => r.status === 'expired' && r.sha === plan.sha)
              .map((r) => r.tenant)
          : [];
      const targets = targetsToDeploy({
        targets: plan.targets,
        reconcile: event.action === 'reconcile',
        sha: plan.sha,
        live,
        expiredTenants,
      });
      if (targets.length === 0) return showIgnored(job, plan.ignored);
      await deployWhenChecksPass(gatedDeployDeps(services, job), {
        pr: pr.number,
        sha: plan.sha,
        targets,
        config: config.config,
        observed: live,
        ...(event.action === 'reconcile'
          ? { retry: { known: await knownFailure(services, job, plan.sha) } }
          : {}),
      });
      // After the deploy, which clears what the comment said was wrong before.
      await showIgnored(job, plan.ignored);
      return;
    }
    case 'destroy':
      await destroyPreviews(destroyDeps(services, job), {
        pr: pr.number,
        selection: plan.selection,
        observed,
        reason: plan.reason,
      });
      // Closed: the comment's record goes once GitHub holds its last state (a reopen reads it back).
      if (event.action === 'closed') await job.comment.close();
      return;
  }
}

/** Destroys the previews a redeploy no longer brings along; returns those that stay. */
async function retire(
  services: PullRequestJobServices,
  job: PullRequestJob,
  retirements: Retirement[],
  observed: ObservedPreview[],
): Promise<ObservedPreview[]> {
  let live = observed;
  for (const { tenants, reason } of retirements) {
    job.logger.info({ tenants, reason }, 'previews retired');
    await destroyPreviews(destroyDeps(services, job), {
      pr: job.pr.number,
      selection: { all: false, tenants },
      observed: live,
      reason,
      note: reason,
    });
    live = live.filter((p) => !tenants.includes(p.tenant));
  }
  return live;
}

/** Preview labels the plan passed over, said on the pull request beside what did deploy. */
async function showIgnored(job: PullRequestJob, ignored: string[]): Promise<void> {
  if (ignored.length === 0) return;
  job.logger.info({ ignored }, 'preview labels ignored');
  await job.comment.update((state) => withProblems(state, ignored));
}

/** What failed at this commit before, under these settings: a retry that fails alike stays quiet. */
async function knownFailure(
  services: Pick<Services, 'failures' | 'settingsFingerprint'>,
  job: PullRequestJob,
  sha: string,
): Promise<FailureRecord | undefined> {
  return knownFailureAt(await services.failures.get(job.pr), {
    sha,
    settings: services.settingsFingerprint,
  });
}
