import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Pauses between asks that grow by `growth` from `firstMs` up to `maxMs`:
 * each call gives the next. What is waited for usually comes soon or takes
 * long, so the first asks come quickly and the later ones cost little.
 */
export function growingPauses(firstMs: number, maxMs: number, growth = 1.5): () => number {
  let next = firstMs;
  return () => {
    const pause = next;
    next = Math.min(next * growth, maxMs);
    return pause;
  };
}

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
  const pause = growingPauses(params.firstPauseMs, params.maxPauseMs ?? 2_000, params.growth);
  for (;;) {
    if (await params.done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(pause());
  }
}
