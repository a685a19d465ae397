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
