import { ServerResponse } from 'node:http';
import type { Logger as PinoLogger, LogFn } from 'pino';

/** Paths that kubelets and Prometheus ask for every few seconds: the routine of a running app. */
const routinePaths = new Set(['/healthz', '/readyz', '/metrics', '/ping']);

/** How @octokit/webhooks says that a webhook's signature does not match WEBHOOK_SECRET. */
const signatureMismatch = 'signature does not match event payload and secret';

/** pino's level numbers. */
const levels = { debug: 20, info: 30 } as const;

/**
 * A pino `logMethod` hook for the app's root logger, so that Probot's own
 * lines read as an operator needs them:
 *
 * - pino-http's line for every probe and scrape (`GET /healthz 200 - 1ms`)
 *   goes to debug: at info, the routine of a healthy pod drowns what happens;
 * - a webhook whose signature does not match is said once, at warn, with its
 *   delivery id and event and without its payload. Probot logs it twice at
 *   error, payload included: its error handler, then its webhook middleware,
 *   each with the error's `event` (the whole body, of a sender nobody knows).
 */
export function quietLogMethod(): (
  this: PinoLogger,
  args: Parameters<LogFn>,
  method: LogFn,
  level: number,
) => void {
  const saidMismatch = new RecentKeys(10_000);
  return function logMethod(this: PinoLogger, args, method, level) {
    const [first] = args;
    if (level > levels.debug && isRoutineRequest(first)) {
      this.debug(...(args as [object, string]));
      return;
    }
    const mismatch = signatureMismatchOf(first);
    if (mismatch) {
      if (saidMismatch.seen(mismatch.delivery ?? '')) return;
      this.warn(
        mismatch,
        "a webhook was refused: its signature does not match WEBHOOK_SECRET (payload not logged). If it came from GitHub, set the GitHub App's webhook secret and WEBHOOK_SECRET to the same value",
      );
      return;
    }
    method.apply(this, args);
  };
}

/** pino-http's line for a request: its first argument carries the response, and the request with it. */
function isRoutineRequest(first: unknown): boolean {
  const res = (first as { res?: unknown } | null)?.res;
  if (!(res instanceof ServerResponse)) return false;
  const { method, url } = res.req;
  return method === 'GET' && routinePaths.has((url ?? '').split('?')[0] ?? '');
}

type WebhookError = Error & { event?: unknown; errors?: unknown[] };

/**
 * The delivery a signature error is about. The middleware's copy wraps the
 * error handler's (an AggregateError whose `event` is that error), so both
 * lead to the same delivery.
 */
function signatureMismatchOf(first: unknown): { delivery?: string; event?: string } | undefined {
  if (!(first instanceof Error) || !first.message.includes(signatureMismatch)) return undefined;
  let error = first as WebhookError;
  for (let depth = 0; depth < 3; depth++) {
    const inner = error.event instanceof Error ? error.event : error.errors?.[0];
    if (!(inner instanceof Error)) break;
    error = inner as WebhookError;
  }
  const event = error.event as { id?: unknown; name?: unknown } | undefined;
  return {
    ...(typeof event?.id === 'string' ? { delivery: event.id } : {}),
    ...(typeof event?.name === 'string' ? { event: event.name } : {}),
  };
}

/**
 * Keys seen in the last moments: Probot's two lines of one refused delivery
 * come within milliseconds; a redelivery, later, is said again.
 */
class RecentKeys {
  private readonly seenAt = new Map<string, number>();
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Whether the key was seen within the window; notes it either way. */
  seen(key: string, now = Date.now()): boolean {
    for (const [old, at] of this.seenAt) if (now - at > this.windowMs) this.seenAt.delete(old);
    const recent = this.seenAt.has(key);
    this.seenAt.set(key, now);
    return recent;
  }
}
