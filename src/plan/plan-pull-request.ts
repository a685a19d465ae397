import type { ConfigResult, PreviewConfig } from './preview-config.ts';
import type { PreviewOrigin } from './labels.ts';
import {
  isPreviewLabel,
  tenantsOfLabel,
  tenantsOfLabels,
  tenantsOfValidLabels,
  unique,
} from './preview-labels.ts';
import { buildTargets } from './targets.ts';
import type { Plan, PullRequestRef, Retirement } from './types.ts';

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
  /** A draft: labels and pushes deploy nothing unless the repository sets `drafts: true`. */
  draft?: boolean;
}

export interface DeployedPreview {
  /** Null: the single preview of a repository without tenants. */
  tenant: string | null;
  origin: PreviewOrigin;
}

export interface ObservedPreviews {
  /** Previews that have a namespace in the cluster now, and what asked for each. */
  deployed: DeployedPreview[];
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
  let retire: Retirement[] = [];
  let ignored: string[] = [];
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
    event.action === 'ready_for_review' ||
    event.action === 'reconcile'
  ) {
    const hasPreviewLabel = event.labels.some(isPreviewLabel);
    const deployed = event.action === 'reopened' ? [] : observed.deployed;
    if (!hasPreviewLabel && deployed.length === 0) {
      return { action: 'skip', reason: 'no preview requested' };
    }
    if (!config.ok) return { action: 'reject', problems: config.problems };
    // A label whose tenant left the config keeps no other tenant from its redeploy.
    const result = tenantsOfValidLabels(event.labels, config.config);
    const kept = keptPreviews(deployed, result.tenants, config.config);
    requested = unique([...result.tenants, ...kept.tenants]);
    retire = kept.retire;
    ignored = result.ignored;
  } else {
    return { action: 'skip', reason: `action ${event.action} needs no work` };
  }

  if (event.draft && !config.config.drafts && requested.length > 0) {
    // Said once, when labelled; pushes and passes on the draft stay quiet.
    if (event.action === 'labeled') return { action: 'reject', problems: [draftWaits] };
    // A draft deploys nothing new, but what no label or config wants any more still goes.
    if (retire.length > 0) return { action: 'retire', retire, ignored };
    return { action: 'skip', reason: 'a draft pull request' };
  }
  if (requested.length === 0) {
    if (retire.length > 0) return { action: 'retire', retire, ignored };
    if (ignored.length > 0) return { action: 'reject', problems: ignored };
    return { action: 'skip', reason: 'no preview requested' };
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
  return { action: 'deploy', sha: event.headSha, targets: targets.targets, retire, ignored };
}

/**
 * Which deployed previews a redeploy brings along, and which go: a command's
 * preview stays while its tenant is configured; a label's only while a label
 * still asks for it (an `unlabeled` lost while the app was down is caught up).
 */
function keptPreviews(
  deployed: DeployedPreview[],
  labelled: (string | null)[],
  config: PreviewConfig,
): { tenants: (string | null)[]; retire: Retirement[] } {
  const tenants: (string | null)[] = [];
  const unconfigured: (string | null)[] = [];
  const unlabelled: (string | null)[] = [];
  for (const preview of deployed) {
    if (!isConfigured(preview.tenant, config)) unconfigured.push(preview.tenant);
    else if (preview.origin === 'command' || labelled.includes(preview.tenant))
      tenants.push(preview.tenant);
    else unlabelled.push(preview.tenant);
  }
  const retire: Retirement[] = [];
  if (unconfigured.length > 0) {
    retire.push({
      tenants: unique(unconfigured),
      reason:
        config.tenants.length > 0
          ? 'its tenant is no longer in .github/preview.yml'
          : 'this repository no longer has tenants in .github/preview.yml',
    });
  }
  if (unlabelled.length > 0) {
    retire.push({ tenants: unique(unlabelled), reason: 'no preview label asks for it' });
  }
  return { tenants, retire };
}

function isConfigured(tenant: string | null, config: PreviewConfig): boolean {
  return tenant === null ? config.tenants.length === 0 : config.tenants.includes(tenant);
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

export const draftWaits =
  'This pull request is a draft: its previews deploy once it is marked ready for review, or now with `/preview deploy` (set `drafts: true` in .github/preview.yml to preview drafts).';

export function forkApprovalNeeded(sha: string): string {
  return `This pull request comes from a fork, so its code is not deployed on its own: someone with write access approves commit \`${sha.slice(0, 7)}\` with \`/preview deploy\`. Each new push needs approval again.`;
}
