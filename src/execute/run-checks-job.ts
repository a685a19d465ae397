import { loadConfig } from '../config/load-config.ts';
import { buildTargets, previewSelector } from '../plan/targets.ts';
import type { Services } from '../services.ts';
import { withProblems } from './comment-rows.ts';
import { deployWhenChecksPass } from './deploy-when-checks-pass.ts';
import { gatedDeployDeps } from './job-deps.ts';
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
