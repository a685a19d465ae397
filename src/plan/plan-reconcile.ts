import type { ObservedPreview } from '../ports.ts';
import { retryDue, type FailureRecord } from './failure-memory.ts';
import type { PreviewTarget } from './types.ts';
import { previewLabel } from './labels.ts';
import { isPreviewLabel, tenantOfLabel } from './preview-labels.ts';
import { expiryWarningDue, isExpired } from './expiry.ts';
import { sleepDue } from './sleep.ts';

export interface OpenPull {
  number: number;
  headSha: string;
  labels: string[];
  fromFork?: boolean;
  /** A draft's sync may deploy nothing (`drafts`): its previews still sleep when idle. */
  draft?: boolean;
}

export interface KnownRepository {
  id: number;
  owner: string;
  name: string;
  installationId: number;
  openPulls: OpenPull[];
}

export type ReconcileAction =
  /** Bring the pull request's previews to its head commit, as a push would. */
  | { kind: 'sync'; repository: KnownRepository; pull: OpenPull }
  /** Destroy these previews; the repository is absent when GitHub no longer shows it to the app. */
  | {
      kind: 'destroy';
      repository?: KnownRepository;
      /** Whose previews, as their namespace records it, for a destroy without the repository. */
      repositoryId: number;
      /** `owner/name`, as the namespace records it. */
      repositoryName?: string;
      installationId: number;
      pullRequest: number;
      namespaces: string[];
      tenants: (string | null)[];
      reason:
        | 'app uninstalled'
        | 'repository removed'
        | 'pull request closed'
        | 'label removed'
        | 'expired';
    }
  /** Tell the pull request these previews expire soon, and how to keep them. */
  | {
      kind: 'warn-expiry';
      repository: KnownRepository;
      pullRequest: number;
      namespaces: string[];
      tenants: (string | null)[];
    }
  /** Put these previews to sleep: idle for their `sleepAfter`, or asleep yet scaled up by hand. */
  | {
      kind: 'sleep';
      repository: KnownRepository;
      pullRequest: number;
      namespaces: string[];
      tenants: (string | null)[];
    };

export interface ReconcileInput {
  now: number;
  /** Installations the app has now. */
  installationIds: number[];
  /** Every repository of those installations, with its open pull requests. */
  repositories: KnownRepository[];
  /** What GitHub could not list this time: nothing of theirs is decided this pass. */
  unavailable?: { installationIds: number[]; repositoryIds: number[] };
  previews: ObservedPreview[];
  /** Commits that failed before: not tried again until their backoff is over. */
  failures?: FailureRecord[];
  /** The app's settings now: a failure under other settings is tried again at once. */
  settings?: string;
  /** Namespaces in which some Deployment or StatefulSet has replicas: asleep, they must have none. */
  running?: ReadonlySet<string>;
  /**
   * Requests of each preview due to sleep within its `sleepAfter`, from the
   * platform's metrics; absent when they could not be read (or there are none).
   */
  requests?: ReadonlyMap<string, number>;
  /** Sleep is switched off (the app has no wake backend): what sleeps stays asleep until woken, nothing new sleeps. */
  sleepOff?: boolean;
}

/**
 * Compares what should exist (open pull requests asking for previews, at
 * their head commits) with what exists (namespaces with the app's labels).
 * Pure: the cluster's labels and GitHub are the whole state.
 */
export function planReconcile(input: ReconcileInput): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const installations = new Set(input.installationIds);
  const repositories = new Map(input.repositories.map((r) => [r.id, r]));
  const byPull = new Map<string, ObservedPreview[]>();
  for (const preview of input.previews) {
    const key = `${preview.repositoryId}#${preview.pullRequest}`;
    byPull.set(key, [...(byPull.get(key) ?? []), preview]);
  }

  const unknown = (preview: ObservedPreview) =>
    input.unavailable?.installationIds.includes(preview.installationId) ||
    input.unavailable?.repositoryIds.includes(preview.repositoryId);
  for (const previews of byPull.values()) {
    const first = previews[0] as ObservedPreview;
    if (unknown(first)) continue;
    const destroy = (
      reason: Extract<ReconcileAction, { kind: 'destroy' }>['reason'],
      doomed: ObservedPreview[],
      repository?: KnownRepository,
    ) =>
      actions.push({
        kind: 'destroy',
        ...(repository ? { repository } : {}),
        repositoryId: first.repositoryId,
        ...(first.repository ? { repositoryName: first.repository } : {}),
        installationId: first.installationId,
        pullRequest: first.pullRequest,
        ...namespacesOf(doomed),
        reason,
      });
    if (!installations.has(first.installationId)) {
      destroy('app uninstalled', previews);
      continue;
    }
    const repository = repositories.get(first.repositoryId);
    if (!repository) {
      destroy('repository removed', previews);
      continue;
    }
    const pull = repository.openPulls.find((p) => p.number === first.pullRequest);
    if (!pull) {
      // Terminating ones too: a destroy that a crash cut short still gets its comment.
      destroy('pull request closed', previews, repository);
      continue;
    }
    const current = previews.filter((p) => !p.terminating);
    const expired = current.filter((p) => isExpired(p, input.now));
    if (expired.length > 0) destroy('expired', expired, repository);
    const expiring = current.filter((p) => expiryWarningDue(p, input.now));
    if (expiring.length > 0) {
      actions.push({
        kind: 'warn-expiry',
        repository,
        pullRequest: first.pullRequest,
        ...namespacesOf(expiring),
      });
    }
    const unwanted = current.filter(
      (p) => p.origin === 'label' && !expired.includes(p) && !labelsMayWant(pull.labels, p.tenant),
    );
    if (unwanted.length > 0) destroy('label removed', unwanted, repository);
    const live = current.filter((p) => !expired.includes(p) && !unwanted.includes(p));
    if (live.some((p) => p.deployingSha || p.sha !== pull.headSha) && due(repository, pull)) {
      // The deploy wakes what sleeps, and starts the idle time again.
      actions.push({ kind: 'sync', repository, pull });
      if (!pull.draft) continue;
    }
    // Never a wake: only a request, a command or a push wakes a preview.
    const sleepy = live.filter(
      (p) =>
        sleepDue(p, input.now, input.requests) ||
        (p.sleepingSince && input.running?.has(p.namespace)),
    );
    if (sleepy.length > 0 && !input.sleepOff) {
      actions.push({
        kind: 'sleep',
        repository,
        pullRequest: first.pullRequest,
        ...namespacesOf(sleepy),
      });
    }
  }

  for (const repository of input.repositories) {
    for (const pull of repository.openPulls) {
      if (!pull.labels.some(isPreviewLabel) || byPull.has(`${repository.id}#${pull.number}`))
        continue;
      if (due(repository, pull)) actions.push({ kind: 'sync', repository, pull });
    }
  }
  return actions;

  /** A commit that failed waits out its backoff, unless the settings changed since. */
  function due(repository: KnownRepository, pull: OpenPull): boolean {
    const record = input.failures?.find(
      (f) => f.repositoryId === repository.id && f.pullRequest === pull.number,
    );
    return retryDue(record, { sha: pull.headSha, settings: input.settings ?? '', now: input.now });
  }
}

/** The previews an action is for: their namespaces, and their tenants in the same order. */
function namespacesOf(previews: ObservedPreview[]): {
  namespaces: string[];
  tenants: (string | null)[];
} {
  return { namespaces: previews.map((p) => p.namespace), tenants: previews.map((p) => p.tenant) };
}

/**
 * Whether the pull request's labels may still ask for a tenant, judged without
 * the repository's configuration: `cd/preview:<tenant>` names it, and the
 * plain label stands for the default tenants, which only the deploy knows;
 * that deploy retires what the labels no longer want.
 */
export function labelsMayWant(labels: string[], tenant: string | null): boolean {
  if (labels.includes(previewLabel)) return true;
  if (tenant === null) return false;
  return labels.some((label) => isPreviewLabel(label) && tenantOfLabel(label) === tenant);
}

/** Failure records of pull requests that are no longer open in a repository GitHub listed. */
export function staleFailures(input: ReconcileInput): FailureRecord[] {
  return (input.failures ?? []).filter((record) => {
    const repository = input.repositories.find((r) => r.id === record.repositoryId);
    if (!repository) return !input.unavailable?.repositoryIds.includes(record.repositoryId);
    return !repository.openPulls.some((p) => p.number === record.pullRequest);
  });
}

/** A reconcile pass repairs a tenant that is missing, half-applied or behind; one at the head stays. */
export function isBehind(
  target: Pick<PreviewTarget, 'namespace'>,
  observed: ObservedPreview[],
  sha: string,
): boolean {
  const preview = observed.find((p) => p.namespace === target.namespace);
  return !preview || preview.terminating || Boolean(preview.deployingSha) || preview.sha !== sha;
}

/**
 * Of a deploy plan's targets, those the job deploys. A push, label or
 * command deploys them all; a reconcile pass repairs only what is missing,
 * half-applied or behind (`isBehind`), and brings back no preview that
 * expired at this commit: an expired preview comes back with a push or a command.
 */
export function targetsToDeploy(params: {
  targets: PreviewTarget[];
  /** The job is a reconcile pass's, not a webhook's. */
  reconcile: boolean;
  sha: string;
  /** The pull request's previews once the plan's retirements are done. */
  live: ObservedPreview[];
  /** Tenants whose comment row says they expired at `sha`. */
  expiredTenants: readonly (string | null)[];
}): PreviewTarget[] {
  if (!params.reconcile) return params.targets;
  return params.targets.filter(
    (t) => !params.expiredTenants.includes(t.tenant) && isBehind(t, params.live, params.sha),
  );
}
