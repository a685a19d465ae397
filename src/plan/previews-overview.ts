import { optional } from './optional.ts';
import type { CommentKey, CommentRow, ObservedPreview, StoredComment } from '../ports.ts';

/**
 * What the platform team's overview says of one preview, or of a tenant a pull
 * request waits for: who has what running, since when, in which state.
 */
export interface OverviewRow {
  /** `owner/name`, or `repository <id>` when the namespace does not name it. */
  repository: string;
  pullRequest: number;
  /** The pull request on GitHub, when the repository is known. */
  pullRequestUrl?: string;
  tenant: string | null;
  namespace?: string;
  host?: string;
  url?: string;
  state: OverviewState;
  /** Why it failed or what it waits for, as the pull request's comment says. */
  reason?: string;
  /** The commit last applied whole (up or not: `state` says), or the one waited for. */
  commit?: string;
  /** The commit being deployed now, when it differs. */
  deploying?: string;
  /** When its namespace was made (ISO time). */
  createdAt?: string;
  /** Seconds since then. */
  ageSeconds?: number;
  /** When the last deploy finished (ISO time). */
  deployedAt?: string;
  sleepingSince?: string;
  /** Who kept it past its ttl. */
  keptBy?: string;
  expiresAt?: string;
}

/**
 * `running`: the last deploy's commit is applied and the comment says nothing
 * worse. The rest as the sticky comment names them, plus `destroying` (its
 * namespace is being deleted).
 */
export type OverviewState =
  'running' | 'ready' | 'deploying' | 'waiting' | 'failed' | 'sleeping' | 'destroying';

export interface Overview {
  generatedAt: string;
  previews: OverviewRow[];
  /** Counts by state, for a glance. */
  totals: Record<OverviewState, number>;
}

/** What the overview reads: the namespaces (what runs) and the pull requests' comments (what they were told). */
export interface OverviewInputs {
  previews: readonly ObservedPreview[];
  comments: readonly { key: CommentKey; stored: StoredComment }[];
  /** GitHub's web address (https://github.com, or a GitHub Enterprise host). */
  githubWebUrl: string;
  now: Date;
}

const states: readonly OverviewState[] = [
  'running',
  'ready',
  'deploying',
  'waiting',
  'failed',
  'sleeping',
  'destroying',
];

/**
 * One row per preview namespace, joined with its pull request's comment row
 * for the same tenant; plus the comment rows no namespace has yet (waiting for
 * checks, or a first deploy that failed). Sorted by repository, pull request,
 * tenant, so the page reads like a register.
 */
export function planOverview(inputs: OverviewInputs): Overview {
  const commentRows = new Map<string, { key: CommentKey; row: CommentRow }>();
  for (const { key, stored } of inputs.comments) {
    if (stored.closed) continue;
    for (const row of stored.state.rows) {
      commentRows.set(rowId(key.repositoryId, key.number, row.tenant), { key, row });
    }
  }
  const rows: OverviewRow[] = [];
  const shown = new Set<string>();
  for (const preview of inputs.previews) {
    const id = rowId(preview.repositoryId, preview.pullRequest, preview.tenant);
    shown.add(id);
    rows.push(previewRow(preview, commentRows.get(id)?.row, inputs));
  }
  for (const [id, { key, row }] of commentRows) {
    if (shown.has(id) || !['waiting', 'deploying', 'failed'].includes(row.status)) continue;
    rows.push(commentOnlyRow(key, row, inputs.githubWebUrl));
  }
  rows.sort(
    (a, b) =>
      a.repository.localeCompare(b.repository) ||
      a.pullRequest - b.pullRequest ||
      (a.tenant ?? '').localeCompare(b.tenant ?? ''),
  );
  const totals = Object.fromEntries(states.map((s) => [s, 0])) as Record<OverviewState, number>;
  for (const row of rows) totals[row.state] += 1;
  return { generatedAt: inputs.now.toISOString(), previews: rows, totals };
}

function previewRow(
  preview: ObservedPreview,
  comment: CommentRow | undefined,
  inputs: OverviewInputs,
): OverviewRow {
  const repository = preview.repository ?? `repository ${preview.repositoryId}`;
  const createdAt = preview.createdAt;
  const deploying =
    preview.deployingSha && preview.deployingSha !== preview.sha ? preview.deployingSha : undefined;
  const stateAndReason = previewState(preview, comment);
  return {
    repository,
    pullRequest: preview.pullRequest,
    ...optional(
      'pullRequestUrl',
      pullRequestUrl(inputs.githubWebUrl, preview.repository, preview.pullRequest),
    ),
    tenant: preview.tenant,
    namespace: preview.namespace,
    ...optional('host', preview.host),
    ...optional('url', preview.host ? `https://${preview.host}` : undefined),
    ...stateAndReason,
    ...optional('commit', preview.sha),
    ...optional('deploying', deploying),
    ...optional('createdAt', createdAt),
    ...optional('ageSeconds', createdAt ? secondsSince(createdAt, inputs.now) : undefined),
    ...optional('deployedAt', preview.activeAt),
    ...optional('sleepingSince', preview.sleepingSince),
    ...optional('keptBy', preview.keptBy),
    ...optional('expiresAt', preview.keptBy ? undefined : preview.expiresAt),
  };
}

/**
 * The namespace says what no comment can (being deleted, asleep, a deploy
 * under way), except that a deploy whose commit the comment says failed
 * keeps its mark until the reconciler tries again: that one is failed, with
 * why. Otherwise the comment's word for the tenant, else `running`.
 */
function previewState(
  preview: ObservedPreview,
  comment: CommentRow | undefined,
): { state: OverviewState; reason?: string } {
  if (preview.terminating) return { state: 'destroying' };
  if (preview.sleepingSince) return { state: 'sleeping' };
  if (
    preview.deployingSha &&
    comment?.status === 'failed' &&
    comment.sha === preview.deployingSha
  ) {
    return { state: 'failed', ...optional('reason', comment.reason) };
  }
  if (preview.deployingSha) return { state: 'deploying' };
  if (comment && ['ready', 'failed', 'waiting', 'deploying'].includes(comment.status)) {
    return {
      state: comment.status as OverviewState,
      ...optional('reason', comment.status === 'ready' ? undefined : comment.reason),
    };
  }
  return { state: 'running' };
}

function commentOnlyRow(key: CommentKey, row: CommentRow, githubWebUrl: string): OverviewRow {
  const repository = `${key.owner}/${key.repo}`;
  const host = hostOf(row.url);
  return {
    repository,
    pullRequest: key.number,
    ...optional('pullRequestUrl', pullRequestUrl(githubWebUrl, repository, key.number)),
    tenant: row.tenant,
    ...optional('host', host),
    ...optional('url', host ? row.url : undefined),
    state: row.status as OverviewState,
    ...optional('reason', row.reason),
    ...optional('commit', row.sha || undefined),
  };
}

function rowId(repositoryId: number, pullRequest: number, tenant: string | null): string {
  return `${repositoryId}#${pullRequest}#${tenant ?? ''}`;
}

function pullRequestUrl(web: string, repository: string | undefined, number: number) {
  return repository ? `${web.replace(/\/+$/, '')}/${repository}/pull/${number}` : undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

function secondsSince(iso: string, now: Date): number | undefined {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.floor((now.getTime() - at) / 1000));
}
