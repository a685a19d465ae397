/** The latest check run of a name, as GitHub lists them for a commit. */
export interface CheckRunState {
  name: string;
  status: string;
  conclusion: string | null;
}

/** A commit status of a context, newest first as GitHub lists them. */
export interface CommitStatusState {
  context: string;
  state: string;
}

export type GateResult =
  | { state: 'passed' }
  | { state: 'pending'; waitingFor: string[] }
  | { state: 'failed'; failures: string[] };

const passingConclusions = new Set(['success', 'neutral', 'skipped']);

/**
 * Whether every required check run or commit status passed on a commit.
 * A name may be either; the first failure of any decides.
 */
export function evaluateGate(
  required: string[],
  checkRuns: CheckRunState[],
  statuses: CommitStatusState[],
): GateResult {
  const waitingFor: string[] = [];
  const failures: string[] = [];
  for (const name of required) {
    const run = checkRuns.find((r) => r.name === name);
    const status = statuses.find((s) => s.context === name);
    if (run && run.status === 'completed') {
      if (!passingConclusions.has(run.conclusion ?? ''))
        failures.push(`${name} ${run.conclusion ?? 'failed'}`);
    } else if (!run && status && status.state !== 'pending') {
      if (status.state !== 'success') failures.push(`${name} ${status.state}`);
    } else {
      waitingFor.push(name);
    }
  }
  if (failures.length > 0) return { state: 'failed', failures };
  if (waitingFor.length > 0) return { state: 'pending', waitingFor };
  return { state: 'passed' };
}

/** What a deploy gated on checks does now, given the gate and how long the commit has waited. */
export type GateDecision =
  | { action: 'deploy' }
  /** No deploy: a check failed, or the wait timed out; the rows say why. */
  | { action: 'block'; reason: string }
  /** The rows wait, from `since`; the gate is looked at again at `recheckAtMs` for the timeout. */
  | { action: 'wait'; reason: string; since: number; recheckAtMs: number };

/**
 * Deploy once every check passed, block on the first failure or once the
 * commit has waited `waitTimeoutMs` (counted from the earliest waiting row of
 * that commit, so a restart or another event does not start the wait again),
 * else wait. Pure: the caller reads the gate and the rows.
 */
export function decideGate(params: {
  gate: GateResult;
  sha: string;
  now: number;
  /** When the comment's rows for this commit began to wait. */
  waitingSince: readonly number[];
  waitTimeoutMs: number;
}): GateDecision {
  const { gate, now, waitTimeoutMs } = params;
  const short = params.sha.slice(0, 7);
  if (gate.state === 'passed') return { action: 'deploy' };
  if (gate.state === 'failed') {
    return { action: 'block', reason: `not deployed: ${gate.failures.join(', ')} on ${short}` };
  }
  const since = Math.min(now, ...params.waitingSince);
  const names = gate.waitingFor.join(', ');
  if (now - since >= waitTimeoutMs) {
    return {
      action: 'block',
      reason: `not deployed: timed out after ${Math.round(waitTimeoutMs / 60_000)} min waiting for ${names} on ${short}`,
    };
  }
  return {
    action: 'wait',
    reason: `waiting for ${names}`,
    since,
    recheckAtMs: since + waitTimeoutMs,
  };
}
