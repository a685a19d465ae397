/** One attempt at a webhook delivery, as GitHub's `/app/hook/deliveries` lists it. */
export interface DeliveryAttempt {
  id: number;
  /** The delivery's identity, shared by its redeliveries (`X-GitHub-Delivery`). */
  guid: string;
  deliveredAt: string;
  statusCode: number;
  event: string;
}

/** Deliveries asked for again at most per start: more would be a flood, not a gap. */
export const maxRedeliveries = 200;

/**
 * Which deliveries to ask GitHub to send again after a start: those since
 * `since` of which no attempt succeeded (the app was down, or answered with
 * an error), one attempt each, oldest first, for the events the app handles.
 */
export function deliveriesToRedeliver(params: {
  attempts: DeliveryAttempt[];
  since: number;
  events: readonly string[];
}): DeliveryAttempt[] {
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const attempt of params.attempts) {
    byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  }
  const wanted: DeliveryAttempt[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => a.statusCode >= 200 && a.statusCode < 300)) continue;
    const first = attempts.reduce((a, b) =>
      Date.parse(a.deliveredAt) <= Date.parse(b.deliveredAt) ? a : b,
    );
    if (Date.parse(first.deliveredAt) < params.since) continue;
    if (!params.events.includes(first.event)) continue;
    wanted.push(first);
  }
  return wanted
    .sort((a, b) => Date.parse(a.deliveredAt) - Date.parse(b.deliveredAt))
    .slice(0, maxRedeliveries);
}

/**
 * The window a start looks back over: since the last start's look (so two
 * starts never ask twice), or `firstLookbackMs` when there was none, and
 * never further back than GitHub keeps deliveries.
 */
export function redeliveryWindow(params: {
  checkedThrough: number | undefined;
  now: number;
  firstLookbackMs: number;
}): number {
  const retention = 3 * 24 * 3_600_000;
  const since = params.checkedThrough ?? params.now - params.firstLookbackMs;
  return Math.max(since, params.now - retention);
}
