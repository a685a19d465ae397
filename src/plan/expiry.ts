import type { LifetimeMarks, ObservedPreview } from '../ports.ts';

/** A preview is warned at most this long before it expires. */
const maxWarningLeadMs = 24 * 3_600_000;

type Lifetime = Pick<
  ObservedPreview,
  'expiresAt' | 'activeAt' | 'keptBy' | 'expiresNotBefore' | 'expiryWarnedFor' | 'terminating'
>;

/**
 * When the preview's ttl ends (ms since the epoch): its deploy's expiry,
 * or later when `/preview unkeep` let the ttl run again from then.
 * Undefined: it never expires (no ttl, or kept with `/preview keep`).
 */
export function expiryOf(preview: Lifetime): number | undefined {
  if (preview.keptBy || !preview.expiresAt) return undefined;
  const expires = Date.parse(preview.expiresAt);
  if (!Number.isFinite(expires)) return undefined;
  const notBefore = preview.expiresNotBefore ? Date.parse(preview.expiresNotBefore) : NaN;
  return Number.isFinite(notBefore) ? Math.max(expires, notBefore) : expires;
}

export function isExpired(preview: Lifetime, now: number): boolean {
  const expiry = expiryOf(preview);
  return expiry !== undefined && expiry <= now;
}

/**
 * Whether the pull request should now be told the preview expires soon: a
 * quarter of its ttl before (the ttl read as the deploy's expiry minus its end),
 * at most a day before, once for each expiry.
 */
export function expiryWarningDue(preview: Lifetime, now: number): boolean {
  const expiry = expiryOf(preview);
  if (preview.terminating || expiry === undefined || expiry <= now) return false;
  if (preview.expiryWarnedFor === new Date(expiry).toISOString()) return false;
  // The ttl, as the last deploy set it: its expiry after its end (an unkeep restarts that ttl).
  const active = preview.activeAt ? Date.parse(preview.activeAt) : NaN;
  const deployExpiry = Date.parse(preview.expiresAt ?? '');
  const ttl = Number.isFinite(active) ? deployExpiry - active : Infinity;
  return expiry - now <= Math.min(maxWarningLeadMs, ttl / 4);
}

/** The marks once the pull request was warned of the preview's expiry. */
export function warnedMarks(preview: Lifetime): LifetimeMarks {
  const expiry = expiryOf(preview);
  return {
    ...keptMarks(preview),
    ...(expiry !== undefined ? { expiryWarnedFor: new Date(expiry).toISOString() } : {}),
  };
}

/** `/preview keep` (kept by `user`) or `/preview unkeep` (the ttl runs again from `now`). */
export type KeepChange = { keep: true; user: string } | { keep: false; now: number; ttlMs: number };

/**
 * The marks after `/preview keep` (kept by `user`) or `/preview unkeep`
 * (the ttl runs again from `now`, so a preview long past its expiry is not
 * destroyed the moment it is let go).
 */
export function keepMarks(preview: Lifetime, change: KeepChange): LifetimeMarks {
  if (change.keep) return { ...warned(preview), keptBy: change.user };
  return {
    ...warned(preview),
    expiresNotBefore: new Date(change.now + change.ttlMs).toISOString(),
  };
}

function keptMarks(preview: Lifetime): LifetimeMarks {
  return {
    ...(preview.keptBy ? { keptBy: preview.keptBy } : {}),
    ...(preview.expiresNotBefore ? { expiresNotBefore: preview.expiresNotBefore } : {}),
  };
}

function warned(preview: Lifetime): LifetimeMarks {
  return preview.expiryWarnedFor ? { expiryWarnedFor: preview.expiryWarnedFor } : {};
}
