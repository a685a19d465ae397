import { loadConfig } from '../config/load-config.ts';
import { buildTargets, previewSelector } from '../plan/targets.ts';
import type { Services } from '../services.ts';
import { withProblems } from './comment-rows.ts';
import { deployWhenChecksPass, type GatedDeployDeps } from './deploy-when-checks-pass.ts';
import type { DestroyDeps } from './destroy-previews.ts';
import { enqueueForPullRequest } from './enqueue.ts';
import type { PullRequestScope } from './job-scope.ts';

/** A check or status changed on `sha`, or a wait timed out: resume the tenants waiting for it. */
export async function runChecksJob(
  services: Services,
  job: PullRequestScope & { sha: string },
): Promise<void> {
  const waiting = (await job.comment.read()).rows.filter(
    (r) => r.status === 'waiting' && r.sha === job.sha,
  );
  if (waiting.length === 0) return;
  const config = await loadConfig(job.readConfig, job.pr.repo);
  if (!config.ok) {
    await job.comment.update((state) => withProblems(state, config.problems));
    return;
  }
  const targets = buildTargets({
    pr: job.pr,
    config: config.config,
    domain: services.settings.previewDomain,
    sha: job.sha,
    tenants: waiting.map((r) => r.tenant),
    origin: 'label',
  });
  if (!targets.ok) {
    await job.comment.update((state) => withProblems(state, targets.problems));
    return;
  }
  const observed = await services.cluster.listPreviews(previewSelector(job.pr));
  await deployWhenChecksPass(gatedDeployDeps(services, job), {
    pr: job.pr.number,
    sha: job.sha,
    targets: targets.targets,
    config: config.config,
    observed,
  });
}

/** What a destroy needs, from the long-lived services and one pull request's scope. */
export function destroyDeps(services: Services, scope: PullRequestScope): DestroyDeps {
  return {
    cluster: services.cluster,
    comment: scope.comment,
    deployments: scope.deployments,
    metrics: services.metrics,
    logger: scope.logger,
  };
}

/** What a deploy needs, from the long-lived services and one pull request's scope. */
export function gatedDeployDeps(services: Services, scope: PullRequestScope): GatedDeployDeps {
  return {
    cluster: services.cluster,
    metrics: services.metrics,
    guardrails: services.settings.guardrails,
    namespacePolicy: services.settings.namespacePolicy,
    caps: services.settings.caps,
    ...(services.settings.secrets ? { secrets: services.settings.secrets } : {}),
    renderer: services.renderer,
    ...(services.smoke ? { smoke: services.smoke } : {}),
    chartSource: scope.chartSource,
    comment: scope.comment,
    deployments: scope.deployments,
    checks: scope.checks,
    logger: scope.logger,
    recheckAt: (atMs, sha) =>
      services.waits.schedule(scope.queueKey, atMs, () => {
        void enqueueForPullRequest(services, scope, 'checks job', () =>
          runChecksJob(services, { ...scope, sha }),
        );
      }),
  };
}
