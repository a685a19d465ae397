/**
 * Lease decisions as client-go's leader election makes them. Pure: the
 * caller reads the Lease, keeps its observations and writes what is decided.
 */

/** A coordination.k8s.io Lease's spec, as this app reads and writes it. */
export interface LeaseRecord {
  /** Empty when released. */
  holder: string;
  durationMs: number;
  acquireTime?: string;
  renewTime?: string;
  /** How often the Lease changed hands. */
  transitions: number;
}

/**
 * When this replica last saw a Lease change, by its own clock. Another
 * holder's `renewTime` is its clock, not ours: as in client-go, a Lease
 * held by someone else expires a full duration after this replica last saw
 * it change, whatever time the holder wrote.
 */
export interface LeaseObservation {
  fingerprint: string;
  observedAt: number;
}

export type LeaseDecision =
  /** Write this record: a create when there was none, else a compare-and-swap on what was read. */
  | { kind: 'take'; record: LeaseRecord }
  /** Someone else holds it; it cannot be taken before `expiresAt` (this replica's clock). */
  | { kind: 'held'; holder: string; expiresAt: number };

/** The observation after reading `current`: its time moves only when the record changed. */
export function observe(
  previous: LeaseObservation | undefined,
  current: LeaseRecord,
  now: number,
): LeaseObservation {
  const fingerprint = JSON.stringify([
    current.holder,
    current.acquireTime ?? '',
    current.renewTime ?? '',
    current.transitions,
  ]);
  return previous?.fingerprint === fingerprint ? previous : { fingerprint, observedAt: now };
}

/** Take, renew or wait: what `tryAcquireOrRenew` does with the Lease as read. */
export function decideLease(params: {
  current: LeaseRecord | undefined;
  observation: LeaseObservation | undefined;
  identity: string;
  now: number;
  durationMs: number;
}): LeaseDecision {
  const { current, identity, now, durationMs } = params;
  const at = new Date(now).toISOString();
  if (!current) {
    return {
      kind: 'take',
      record: { holder: identity, durationMs, acquireTime: at, renewTime: at, transitions: 0 },
    };
  }
  const mine = current.holder === identity;
  if (!mine && current.holder !== '') {
    const seenAt = params.observation?.observedAt ?? now;
    const expiresAt = seenAt + current.durationMs;
    if (now < expiresAt) return { kind: 'held', holder: current.holder, expiresAt };
  }
  return {
    kind: 'take',
    record: {
      holder: identity,
      durationMs,
      acquireTime: mine && current.acquireTime ? current.acquireTime : at,
      renewTime: at,
      transitions: mine ? current.transitions : current.transitions + 1,
    },
  };
}

/** Timings derived from the Lease duration in client-go's proportions (15 s, 10 s, 2 s). */
export function leaseTimings(durationMs: number): {
  /** A holder that could not renew for this long stops working: its Lease may be taken soon. */
  renewDeadlineMs: number;
  /** How often a holder renews, and a waiter tries again. */
  retryPeriodMs: number;
} {
  return { renewDeadlineMs: (durationMs * 2) / 3, retryPeriodMs: (durationMs * 2) / 15 };
}

/**
 * After one renewal attempt: whether the holder keeps the Lease. Lost when
 * another replica holds it now, or when renewals failed for the deadline
 * (the API server unreachable: the Lease may expire and be taken meanwhile).
 */
export function renewalVerdict(params: {
  outcome: 'renewed' | 'taken' | 'failed';
  lastRenewedAt: number;
  now: number;
  renewDeadlineMs: number;
}): { keep: true } | { keep: false; why: string } {
  if (params.outcome === 'renewed') return { keep: true };
  if (params.outcome === 'taken') return { keep: false, why: 'another replica holds the Lease' };
  if (params.now - params.lastRenewedAt < params.renewDeadlineMs) return { keep: true };
  return {
    keep: false,
    why: `the Lease could not be renewed for ${Math.round(params.renewDeadlineMs / 1000)} s`,
  };
}
