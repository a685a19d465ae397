import type { PreviewTarget } from '../plan/types.ts';
import type { CommentRow, CommentState } from '../ports.ts';

/** A tenant's row at a commit. */
export function row(target: PreviewTarget, sha: string, status: CommentRow['status']): CommentRow {
  return { tenant: target.tenant, url: target.url, status, sha };
}

/** Replaces rows of the same tenant and keeps the table in a stable order. */
export function upsertRows(
  state: CommentState,
  rows: CommentRow[],
  options: { clearProblems?: boolean } = {},
): CommentState {
  const byTenant = new Map(state.rows.map((r) => [r.tenant ?? '', r]));
  for (const r of rows) byTenant.set(r.tenant ?? '', r);
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

export function withProblems(state: CommentState, problems: string[]): CommentState {
  return { ...state, problems };
}
