import type { Context, Probot } from 'probot';
import { acceptJob } from '../execute/accepted-jobs.ts';
import type { RepositoryRef } from '../plan/accepted-work.ts';
import type { Services } from '../services.ts';
import { pullRequestScope } from '../pull-request-scope.ts';

export const pullRequestActions = [
  'pull_request.opened',
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.ready_for_review',
  'pull_request.closed',
] as const;

/** Pushes that change a pull request's head, as GitHub reports them. */
const headChanges = ['opened', 'synchronize', 'reopened'];

/** Gathers the event's inputs, records and queues the work for its pull request, and returns. */
export function handlePullRequest(app: Probot, services: Services) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    if (services.deliveries.has(context.id)) return;
    const { payload } = context;
    const scope = pullRequestScope(context, payload.pull_request.number, services);
    const fromFork =
      !payload.pull_request.head.repo ||
      payload.pull_request.head.repo.full_name !== payload.repository.full_name;
    const pr = { repositoryId: payload.repository.id, number: payload.pull_request.number };
    // When a fork's head was pushed, by GitHub's clock: an approval covers only what was there.
    if (fromFork && headChanges.includes(payload.action)) {
      await services.headLog.record(
        pr,
        payload.pull_request.head.sha,
        Date.parse(payload.pull_request.updated_at),
      );
    }
    if (payload.action === 'opened') return;
    if (payload.action === 'closed' && fromFork) {
      await services.headLog
        .forget(pr)
        .catch((error: unknown) =>
          scope.logger.warn({ err: error }, 'could not forget the heads of a fork'),
        );
    }
    const event = {
      action: payload.action,
      label: 'label' in payload ? payload.label?.name : undefined,
      labels: (payload.pull_request.labels ?? []).map((label) => label.name),
      headSha: payload.pull_request.head.sha,
      state: payload.pull_request.state,
      fromFork,
    };
    await acceptJob(
      app,
      services,
      {
        repository: repositoryOf(payload),
        number: payload.pull_request.number,
        delivery: context.id,
        acceptedAt: Date.now(),
        work: { kind: 'pull_request', event },
      },
      { scope },
    );
  };
}

/** The repository a webhook is about, as an accepted job records it. */
export function repositoryOf(payload: {
  repository: { id: number; name: string; owner: { login: string } };
  installation?: { id: number };
}): RepositoryRef {
  return {
    id: payload.repository.id,
    owner: payload.repository.owner.login,
    name: payload.repository.name,
    installationId: payload.installation?.id ?? 0,
  };
}
