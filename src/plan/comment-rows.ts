import type { PreviewTarget } from './types.ts';
import type { CommentRow, CommentState, ObservedPreview } from '../ports.ts';

/** A tenant's row at a commit. */
export function row(target: PreviewTarget, sha: string, status: CommentRow['status']): CommentRow {
  return { tenant: target.tenant, url: target.url, status, sha };
}

/**
 * Replaces rows of the same tenant and keeps the table in a stable order. A
 * kept preview stays kept through deploys, sleep and wake: the row keeps who
 * kept it, until `withKeptBy` or a destroy says otherwise.
 */
export function upsertRows(
  state: CommentState,
  rows: CommentRow[],
  options: { clearProblems?: boolean } = {},
): CommentState {
  const byTenant = new Map(state.rows.map((r) => [r.tenant ?? '', r]));
  for (const r of rows) {
    const keptBy = byTenant.get(r.tenant ?? '')?.keptBy;
    byTenant.set(r.tenant ?? '', keptBy && r.keptBy === undefined ? { ...r, keptBy } : r);
  }
  return {
    ...state,
    rows: [...byTenant.values()].sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '')),
    problems: options.clearProblems ? undefined : state.problems,
  };
}

/**
 * Marks rows destroyed (or expired): all of them (tenants null) or the named
 * tenants; `notes` holds what went wrong on the way, by tenant.
 */
export function markDestroyed(
  state: CommentState,
  tenants: (string | null)[] | null,
  expired?: { status: 'expired'; reason: string },
  notes: Map<string | null, string> = new Map(),
): CommentState {
  return {
    ...state,
    rows: state.rows.map((r) => {
      if (tenants !== null && !tenants.includes(r.tenant)) return r;
      const note = notes.get(r.tenant);
      return {
        tenant: r.tenant,
        url: r.url,
        sha: r.sha,
        status: 'destroyed',
        ...expired,
        ...(note ? { note } : {}),
      };
    }),
  };
}

/** The rows of these tenants kept by `user` (`/preview keep`), or no longer kept (`undefined`). */
export function withKeptBy(
  state: CommentState,
  tenants: readonly (string | null)[],
  user: string | undefined,
): CommentState {
  return {
    ...state,
    rows: state.rows.map((r) => {
      if (!tenants.includes(r.tenant)) return r;
      const { keptBy: _previous, ...rest } = r;
      return user ? { ...rest, keptBy: user } : rest;
    }),
  };
}

export function withProblems(state: CommentState, problems: string[]): CommentState {
  return { ...state, problems };
}

/**
 * The rows of these previews with a new status; a row the comment lacks is
 * added. A failed row stays failed through sleep and wake: the preview's
 * last deploy did not succeed, and the row says why, until a deploy does.
 */
export function withSleepStatus(
  state: CommentState,
  previews: readonly ObservedPreview[],
  status: CommentRow['status'],
  reason?: string,
): CommentState {
  const rows = previews.map((preview): CommentRow => {
    const current = state.rows.find((r) => r.tenant === preview.tenant);
    if (current?.status === 'failed' && (status === 'sleeping' || status === 'ready')) {
      return current;
    }
    return {
      tenant: preview.tenant,
      url: current?.url ?? `https://${preview.host ?? ''}`,
      sha: preview.sha ?? current?.sha ?? '',
      status,
      ...(reason ? { reason } : {}),
    };
  });
  return upsertRows(state, rows);
}

/** The rows of woken previews: ready, or failed with what went wrong on the way up. */
export function withWokenRows(
  state: CommentState,
  woken: readonly { preview: ObservedPreview; problem: string | undefined }[],
): CommentState {
  let next = withSleepStatus(
    state,
    woken.filter((w) => !w.problem).map((w) => w.preview),
    'ready',
  );
  for (const { preview, problem } of woken) {
    if (problem) next = withSleepStatus(next, [preview], 'failed', `woke, but ${problem}`);
  }
  return next;
}

/** The rows that wait for the checks of `sha`: a check settled on it resumes them. */
export function rowsWaitingOn(state: CommentState, sha: string): CommentRow[] {
  return state.rows.filter((r) => r.status === 'waiting' && r.sha === sha);
}
