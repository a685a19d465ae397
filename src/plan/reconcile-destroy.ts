import { isExpired } from './expiry.ts';
import type { ReconcileAction } from './plan-reconcile.ts';
import type { ObservedPreview } from '../ports.ts';
import type { TenantSelection } from './types.ts';

type DestroyAction = Extract<ReconcileAction, { kind: 'destroy' }>;

/** What a reconcile pass's destroy does when its job runs. */
export type ReconcileDestroy =
  | { kind: 'skip'; why: string }
  | {
      kind: 'destroy';
      selection: TenantSelection;
      doomed: ObservedPreview[];
      reason: string;
      /** How the rows read afterwards, when not `destroyed`. */
      status?: 'expired';
      /** The pull request closed: its comment's record goes once GitHub holds the last state. */
      closeComment: boolean;
    };

export const expiredNote = 'no push or command within the ttl; `/preview deploy` brings it back';

/**
 * A pass's destroy, decided again against the previews listed when its job
 * runs: an expiry is looked at again (a push or `/preview keep` since the
 * pass may have moved it); any other reason holds for what the pass named.
 */
export function planReconcileDestroy(
  action: DestroyAction,
  listed: readonly ObservedPreview[],
  now: number,
): ReconcileDestroy {
  const named = listed.filter((p) => action.namespaces.includes(p.namespace));
  if (action.reason !== 'expired') {
    return {
      kind: 'destroy',
      selection: { all: false, tenants: action.tenants },
      doomed: named,
      reason: action.reason,
      closeComment: action.reason === 'pull request closed',
    };
  }
  const doomed = named.filter((p) => isExpired(p, now));
  if (doomed.length === 0) return { kind: 'skip', why: 'kept or redeployed since the pass' };
  return {
    kind: 'destroy',
    selection: { all: false, tenants: doomed.map((p) => p.tenant) },
    doomed,
    reason: expiredNote,
    status: 'expired',
    closeComment: false,
  };
}
