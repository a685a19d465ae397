import { loadConfig } from '../config/load-config.ts';
import { buildTargets, previewSelector } from '../plan/targets.ts';
import type { PreviewOrigin } from '../plan/labels.ts';
import type { CommentRow } from '../ports.ts';
import type { Services } from '../services.ts';
import type { Settings } from '../settings/read-settings.ts';
import { rowsWaitingOn, withProblems } from '../plan/comment-rows.ts';
import { deployWhenChecksPass, type GatedDeployDeps } from './deploy-when-checks-pass.ts';
import { enqueueForPullRequest, type QueueServices } from './enqueue.ts';
import { deployDeps, type DeployServices } from './job-deps.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';

/** The long-lived parts a checks job works through: a deploy's, and the timers of its waits. */
export type ChecksJobServices = DeployServices &
  QueueServices &
  Pick<Services, 'waits'> & {
    settings: DeployServices['settings'] & Pick<Settings, 'previewDomain'>;
  };

/**
 * What a deploy that waits for checks needs. It lives here, with the job it
 * schedules: a wait that times out comes back as a checks job, which builds
 * these again for the tenants still waiting.
 */
export function gatedDeployDeps(
  services: ChecksJobServices,
  scope: PullRequestScope,
): GatedDeployDeps {
  return {
    ...deployDeps(services, scope),
    checks: scope.checks,
    recheckAt: (atMs, sha) =>
      services.waits.schedule(scope.queueKey, atMs, () => {
        // A timer that fires while the replica stops: the next start checks the wait again.
        if (services.queue.isClosed) return;
        void enqueueForPullRequest(services, scope, 'checks job', () =>
          runChecksJob(services, { ...scope, sha }),
        );
      }),
  };
}

/** A check or status changed on `sha`, or a wait timed out: resume the tenants waiting for it. */
export async function runChecksJob(
  services: ChecksJobServices,
  job: PullRequestScope & { sha: string },
): Promise<void> {
  const waiting = rowsWaitingOn(await job.comment.read(), job.sha);
  if (waiting.length === 0) return;
  const config = await loadConfig(job.readConfig, job.pr.repo);
  if (!config.ok) {
    await job.comment.update((state) => withProblems(state, config.problems));
    return;
  }
  // Each waiting row remembers what asked for it: a command's preview outlives the labels,
  // and a redeploy deletes only now that the checks may have passed.
  const observed = await services.cluster.listPreviews(previewSelector(job.pr));
  for (const group of groupsOf(waiting)) {
    const targets = buildTargets({
      pr: job.pr,
      config: config.config,
      domain: services.settings.previewDomain,
      sha: job.sha,
      tenants: group.rows.map((r) => r.tenant),
      origin: group.origin,
    });
    if (!targets.ok) {
      await job.comment.update((state) => withProblems(state, targets.problems));
      return;
    }
    await deployWhenChecksPass(gatedDeployDeps(services, job), {
      pr: job.pr.number,
      sha: job.sha,
      targets: targets.targets,
      config: config.config,
      observed,
      recreate: group.recreate,
    });
  }
}

/** Waiting rows by what asked for them, so that each group resumes as it was asked. */
function groupsOf(rows: CommentRow[]) {
  const groups = new Map<
    string,
    { origin: PreviewOrigin; recreate: boolean; rows: CommentRow[] }
  >();
  for (const row of rows) {
    const origin = row.origin ?? 'label';
    const recreate = row.recreate === true;
    const key = `${origin}:${recreate}`;
    const group = groups.get(key) ?? { origin, recreate, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}
