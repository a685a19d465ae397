import { environmentName } from '../plan/names.ts';
import type { TenantSelection } from '../plan/types.ts';
import type {
  CommentState,
  DeploymentLog,
  Metrics,
  ObservedPreview,
  PreviewComment,
  RowStatus,
} from '../ports.ts';
import { markDestroyed } from '../plan/comment-rows.ts';
import { failureReason } from './deploy/failure-text.ts';
import { tearDown, type TearDownDeps } from './tear-down.ts';

export interface DestroyDeps extends TearDownDeps {
  comment: PreviewComment;
  deployments: DeploymentLog;
  metrics: Metrics;
}

/**
 * Deletes the selected previews' namespaces, found by their labels, after
 * their `pre-delete` hooks, and waits until they are gone.
 */
export async function destroyPreviews(
  deps: DestroyDeps,
  params: {
    pr: number;
    selection: TenantSelection;
    observed: ObservedPreview[];
    reason: string;
    /** How the rows read afterwards: `expired` says why and how to bring them back. */
    status?: Extract<RowStatus, 'destroyed' | 'expired'>;
    /** Shown after the rows' status: why they went, when nothing the user did says so. */
    note?: string;
  },
): Promise<ObservedPreview[]> {
  const { selection } = params;
  const doomed = params.observed.filter(
    (preview) => selection.all || selection.tenants.includes(preview.tenant),
  );
  const notes = new Map<string | null, string>(
    params.note ? doomed.map((preview) => [preview.tenant, params.note as string]) : [],
  );
  if (doomed.length > 0) {
    try {
      const problems = await tearDown(deps, doomed);
      for (const preview of doomed) {
        const problem = problems.get(preview.namespace);
        if (problem) notes.set(preview.tenant, problem);
      }
    } catch (error) {
      deps.metrics.destroyFinished('failure', doomed.length);
      // The rows must not go on saying ready: they say the destroy is unfinished.
      const reason = `destroy did not finish: ${failureReason(error)}; the reconciler tries again`;
      await deps.comment
        .update((state) => markUnfinished(state, doomed, reason))
        .catch((commentError: unknown) =>
          deps.logger.warn({ err: commentError }, 'could not show the unfinished destroy'),
        );
      throw error;
    }
    deps.metrics.destroyFinished('success', doomed.length);
    deps.logger.info(
      { namespaces: doomed.map((p) => p.namespace), reason: params.reason },
      'previews destroyed',
    );
  }
  const tenants = selection.all ? null : selection.tenants;
  await deps.comment.update((state) =>
    markDestroyed(
      state,
      tenants,
      params.status === 'expired' ? { status: 'expired', reason: params.reason } : undefined,
      notes,
    ),
  );
  // Queued after the comment, which people wait for; only the reads happen now.
  const environments = doomed.map((preview) => environmentName(params.pr, preview.tenant));
  await deps.deployments
    .deactivate(environments)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not mark GitHub deployments inactive'),
    );
  return doomed;
}

function markUnfinished(
  state: CommentState,
  doomed: ObservedPreview[],
  reason: string,
): CommentState {
  const tenants = new Set(doomed.map((preview) => preview.tenant));
  return {
    ...state,
    rows: state.rows.map((r) => (tenants.has(r.tenant) ? { ...r, status: 'failed', reason } : r)),
  };
}
