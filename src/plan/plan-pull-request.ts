import type { ConfigResult } from '../config/load-config.ts';
import { isPreviewLabel, tenantsOfLabel, tenantsOfLabels, unique } from './preview-labels.ts';
import { buildTargets } from './targets.ts';
import type { Plan, PullRequestRef } from './types.ts';

export interface PullRequestEvent {
  /** A webhook's action, or `reconcile` when the reconciler brings a pull request up to date. */
  action: string;
  /** The label added or removed, for `labeled` and `unlabeled`. */
  label?: string;
  /** Labels on the pull request after the event. */
  labels: string[];
  headSha: string;
  state: 'open' | 'closed';
  /** The head branch lives in another repository: its code waits for a maintainer's approval. */
  fromFork?: boolean;
}

export interface ObservedPreviews {
  /** Tenants (null: the single preview) that have a namespace in the cluster now. */
  deployedTenants: (string | null)[];
  /** The commit of a fork's pull request that a maintainer approved, if any. */
  approvedSha?: string;
}

export interface PlanParams {
  pr: PullRequestRef;
  event: PullRequestEvent;
  config: ConfigResult;
  domain: string;
  observed: ObservedPreviews;
}

/** What a pull_request event asks of the cluster. Pure: no I/O. */
export function planPullRequest({ pr, event, config, domain, observed }: PlanParams): Plan {
  if (event.action === 'closed') {
    return { action: 'destroy', selection: { all: true }, reason: 'pull request closed' };
  }
  if (event.action === 'unlabeled') return planUnlabeled({ pr, event, config, domain, observed });
  if (event.state !== 'open') return { action: 'skip', reason: 'pull request is closed' };

  let requested: (string | null)[];
  if (event.action === 'labeled') {
    if (!event.label || !isPreviewLabel(event.label)) {
      return { action: 'skip', reason: 'not a preview label' };
    }
    if (!config.ok) return { action: 'reject', problems: config.problems };
    const result = tenantsOfLabel(event.label, config.config);
    if (!result.ok) return { action: 'reject', problems: [result.problem] };
    requested = result.tenants;
  } else if (
    event.action === 'synchronize' ||
    event.action === 'reopened' ||
    event.action === 'reconcile'
  ) {
    const hasPreviewLabel = event.labels.some(isPreviewLabel);
    const deployed = event.action === 'reopened' ? [] : observed.deployedTenants;
    if (!hasPreviewLabel && deployed.length === 0) {
      return { action: 'skip', reason: 'no preview requested' };
    }
    if (!config.ok) return { action: 'reject', problems: config.problems };
    const result = tenantsOfLabels(event.labels, config.config);
    if (!result.ok) return { action: 'reject', problems: [result.problem] };
    requested = unique([...result.tenants, ...deployed]);
  } else {
    return { action: 'skip', reason: `action ${event.action} needs no work` };
  }

  if (event.fromFork && observed.approvedSha !== event.headSha) {
    return { action: 'reject', problems: [forkApprovalNeeded(event.headSha)] };
  }
  const targets = buildTargets({
    pr,
    config: config.config,
    domain,
    sha: event.headSha,
    tenants: requested,
    origin: 'label',
  });
  if (!targets.ok) return { action: 'reject', problems: targets.problems };
  return { action: 'deploy', sha: event.headSha, targets: targets.targets };
}

/** Removing a label destroys what it deployed, except tenants another remaining label still wants. */
function planUnlabeled({ event, config }: PlanParams): Plan {
  if (!event.label || !isPreviewLabel(event.label)) {
    return { action: 'skip', reason: 'not a preview label' };
  }
  const remaining = event.labels.filter(isPreviewLabel);
  if (remaining.length === 0) {
    return { action: 'destroy', selection: { all: true }, reason: `label ${event.label} removed` };
  }
  if (!config.ok) return { action: 'reject', problems: config.problems };
  const removed = tenantsOfLabel(event.label, config.config);
  // A label for a tenant that is no longer configured deployed nothing.
  if (!removed.ok) return { action: 'skip', reason: removed.problem };
  const kept = tenantsOfLabels(remaining, config.config);
  const keptTenants = kept.ok ? kept.tenants : [];
  const tenants = removed.tenants.filter((tenant) => !keptTenants.includes(tenant));
  if (tenants.length === 0) {
    return { action: 'skip', reason: 'other preview labels still want these tenants' };
  }
  return {
    action: 'destroy',
    selection: { all: false, tenants },
    reason: `label ${event.label} removed`,
  };
}

export function forkApprovalNeeded(sha: string): string {
  return `This pull request comes from a fork, so its code is not deployed on its own: someone with write access approves commit \`${sha.slice(0, 7)}\` with \`/preview deploy\`. Each new push needs approval again.`;
}
