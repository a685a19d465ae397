import type { ReconcileAction } from './plan-reconcile.ts';

/** What GitHub says of a thing when asked for it directly, not through a listing. */
export type Sighting = 'present' | 'gone' | 'unknown';

type DestroyReason = Extract<ReconcileAction, { kind: 'destroy' }>['reason'];

/** Reasons that come from something missing in a listing, which paging can drop by mistake. */
const fromListings: DestroyReason[] = [
  'app uninstalled',
  'repository removed',
  'pull request closed',
];

/** Whether a destroy of this reason waits for GitHub to confirm what a listing did not show. */
export function needsConfirmation(reason: DestroyReason): boolean {
  return fromListings.includes(reason);
}

/**
 * Whether a destroy the reconciler planned goes ahead. Listings are not
 * snapshots: a pull request that closes between two page requests moves the
 * next page's first one out of sight. So what a listing only failed to show
 * is destroyed once GitHub, asked for it directly, says it is gone (the pull
 * request closed, the repository or installation not found); when GitHub
 * shows it, or cannot say, nothing is destroyed this pass.
 */
export function destroyConfirmed(
  reason: DestroyReason,
  sighting: Sighting | undefined,
): { destroy: true } | { destroy: false; why: string } {
  if (!fromListings.includes(reason)) return { destroy: true };
  if (sighting === 'gone') return { destroy: true };
  return {
    destroy: false,
    why:
      sighting === 'present'
        ? `a listing missed it (${reason}), but GitHub still shows it`
        : `GitHub could not say whether it is gone (${reason}); left for the next pass`,
  };
}
