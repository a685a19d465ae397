import type { Probot } from 'probot';
import { previewSelector } from '../plan/targets.ts';
import type { ObservedPreview } from '../ports.ts';
import type { Services } from '../services.ts';
import { backgroundScope } from './background-scope.ts';
import { enqueueForPullRequest } from './enqueue.ts';
import { queueKeyOf } from './job-scope.ts';
import { sleepDeps } from './job-deps.ts';
import { wakePreviews } from './sleep-previews.ts';

/**
 * Queues the wake of one sleeping preview that a request asked for, under
 * its pull request's Lease. Work already under way for that pull request is
 * left to finish: a deploy wakes it anyway, and the next request asks again.
 */
export async function wakeOnRequest(
  app: Probot,
  services: Services,
  preview: ObservedPreview,
): Promise<void> {
  const pr = { repositoryId: preview.repositoryId, number: preview.pullRequest };
  // Shutting down, or already at work on the pull request: the next request asks again.
  if (services.queue.isClosed || services.queue.isBusy(queueKeyOf(pr))) return;
  const [owner, name] = (preview.repository ?? '').split('/');
  if (!owner || !name) {
    services.logger.warn(
      { namespace: preview.namespace },
      'wake: the namespace names no repository',
    );
    return;
  }
  const scope = await backgroundScope(
    app,
    services,
    { id: preview.repositoryId, owner, name, installationId: preview.installationId },
    preview.pullRequest,
    'wake',
  );
  await enqueueForPullRequest(services, scope, 'wake', async () => {
    const observed = await services.cluster.listPreviews(previewSelector(pr));
    await wakePreviews(sleepDeps(services, scope), {
      previews: observed.filter((p) => p.namespace === preview.namespace && p.sleepingSince),
      trigger: 'request',
    });
  });
}
