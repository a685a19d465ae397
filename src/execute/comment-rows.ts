import type { CommentRow, CommentState } from '../ports.ts';

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

/** Marks rows destroyed (or expired): all of them (tenants null) or the named tenants. */
export function markDestroyed(
  state: CommentState,
  tenants: (string | null)[] | null,
  expired?: { status: 'expired'; reason: string },
): CommentState {
  return {
    ...state,
    rows: state.rows.map((r) =>
      tenants === null || tenants.includes(r.tenant)
        ? { tenant: r.tenant, url: r.url, sha: r.sha, status: 'destroyed', ...expired }
        : r,
    ),
  };
}

export function withProblems(state: CommentState, problems: string[]): CommentState {
  return { ...state, problems };
}
