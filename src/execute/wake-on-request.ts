import type { Probot } from 'probot';
import { previewSelector } from '../plan/targets.ts';
import type { ObservedPreview } from '../ports.ts';
import type { Services } from '../services.ts';
import { backgroundScope } from '../pull-request-scope.ts';
import { enqueueForPullRequest } from './enqueue.ts';
import { queueKeyOf } from '../pull-request-scope.ts';
import { sleepDeps } from './job-deps.ts';
import { wakePreviews } from './sleep-previews.ts';

/**
 * Wakes that visitors' requests ask for, one job per pull request under its
 * Lease. Requests for several of a pull request's previews that arrive
 * before its job starts (a team opening every tenant, a page that loads
 * another tenant's assets) are woken by that one job, side by side: queued
 * one job each, they would wake one after the other, each waiting for the
 * one before to come up. Work already under way for the pull request is
 * left to finish: a deploy wakes it anyway, and the visitor's page asks again.
 */
export class WakesOnRequest {
  /** By queue key: the namespaces a queued job will wake, until it starts. */
  private readonly asked = new Map<string, Set<string>>();

  private readonly app: Probot;
  private readonly services: Services;

  constructor(app: Probot, services: Services) {
    this.app = app;
    this.services = services;
  }

  async request(preview: ObservedPreview): Promise<void> {
    const { services } = this;
    const pr = { repositoryId: preview.repositoryId, number: preview.pullRequest };
    const key = queueKeyOf(pr);
    const queued = this.asked.get(key);
    if (queued) {
      queued.add(preview.namespace);
      return;
    }
    // Shutting down, or already at work on the pull request: the next request asks again.
    if (services.queue.isClosed || services.queue.isBusy(key)) return;
    const [owner, name] = (preview.repository ?? '').split('/');
    if (!owner || !name) {
      services.logger.warn(
        { namespace: preview.namespace },
        'wake: the namespace names no repository',
      );
      return;
    }
    const namespaces = new Set([preview.namespace]);
    this.asked.set(key, namespaces);
    try {
      const scope = await backgroundScope(
        this.app,
        services,
        { id: preview.repositoryId, owner, name, installationId: preview.installationId },
        preview.pullRequest,
        'wake',
      );
      await enqueueForPullRequest(services, scope, 'wake', async () => {
        // From here a request finds the pull request busy: this job wakes what was asked so far.
        this.asked.delete(key);
        const observed = await services.cluster.listPreviews(previewSelector(pr));
        await wakePreviews(sleepDeps(services, scope), {
          previews: observed.filter((p) => namespaces.has(p.namespace) && p.sleepingSince),
          trigger: 'request',
        });
      });
    } finally {
      if (this.asked.get(key) === namespaces) this.asked.delete(key);
    }
  }
}
