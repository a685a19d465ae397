import { ApiException } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConflict } from './api-status.ts';

const retriableCodes = new Set([409, 429, 500, 502, 503, 504]);
const retriableNetworkErrors =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|other side closed|fetch failed/i;

/** Whether a Kubernetes call may succeed if tried again: conflicts, throttling, server and network trouble. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiException) return retriableCodes.has(error.code);
  const text =
    error instanceof Error
      ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}`
      : '';
  return retriableNetworkErrors.test(text);
}

/**
 * Transient, except a conflict: a write that conflicts was based on what has
 * changed since, so it is decided again from a new read, never sent again as it was.
 */
export function transientButNoConflict(error: unknown): boolean {
  return isTransient(error) && !isConflict(error);
}

/** Runs `call`, retrying transient failures (by default Kubernetes' own) with exponential backoff. */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: {
    attempts?: number;
    firstDelayMs?: number;
    retriable?: (error: unknown) => boolean;
  } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const retriable = options.retriable ?? isTransient;
  let delay = options.firstDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retriable(error)) throw error;
      await sleep(delay + Math.random() * delay * 0.2);
      delay *= 2;
    }
  }
}
