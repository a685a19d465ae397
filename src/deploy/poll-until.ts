import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Asks `done` until it says yes, pausing longer between asks (what is waited
 * for, a deletion or an authorizer catching up, takes longer the longer it
 * has taken already). True once done; false when `timeoutMs` passed first.
 */
export async function pollUntil(params: {
  done: () => Promise<boolean>;
  timeoutMs: number;
  firstPauseMs: number;
  /** How much longer each pause is than the one before, up to `maxPauseMs`. */
  growth?: number;
  maxPauseMs?: number;
}): Promise<boolean> {
  const deadline = Date.now() + params.timeoutMs;
  const growth = params.growth ?? 1.5;
  const maxPauseMs = params.maxPauseMs ?? 2_000;
  let pause = params.firstPauseMs;
  for (;;) {
    if (await params.done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(pause);
    pause = Math.min(pause * growth, maxPauseMs);
  }
}
