/** What one request of the smoke check got: an HTTP status, or why there was none. */
export type SmokeAnswer = { status: number } | { error: string };

/**
 * Statuses of a host that is not serving yet rather than broken: the
 * controller has not routed it (404 from its default backend), or routes it
 * to endpoints that are not answering yet (502, 503, 504). HAProxy takes a
 * moment to see new Ingresses and EndpointSlices after a rollout is ready.
 */
const notYetServing = new Set([404, 502, 503, 504]);

/** The first wait between two requests; each wait doubles, up to `maxWaitMs`. */
const firstWaitMs = 500;
const maxWaitMs = 5_000;

export type SmokeVerdict =
  | { verdict: 'passed'; status: number }
  | { verdict: 'failed'; why: string }
  | { verdict: 'again'; afterMs: number };

/**
 * Judges one answer of the smoke check, the `attempt`th (from 0), with
 * `remainingMs` left before the deadline: a 2xx or 3xx passes; another 4xx
 * or 5xx fails at once, except those of a host not serving yet, which are
 * asked again, as are connection errors, until the deadline.
 */
export function judgeSmokeAnswer(
  answer: SmokeAnswer,
  attempt: number,
  remainingMs: number,
): SmokeVerdict {
  if ('status' in answer && answer.status < 400) {
    return { verdict: 'passed', status: answer.status };
  }
  const why = 'error' in answer ? `failed: ${answer.error}` : `answered ${answer.status}`;
  const transient = 'error' in answer || notYetServing.has(answer.status);
  const afterMs = Math.min(firstWaitMs * 2 ** attempt, maxWaitMs);
  if (!transient || remainingMs < afterMs) {
    const tries = attempt + 1;
    return { verdict: 'failed', why: tries > 1 ? `${why} (after ${tries} tries)` : why };
  }
  return { verdict: 'again', afterMs };
}
