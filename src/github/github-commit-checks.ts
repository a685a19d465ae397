import type { Octokit } from './octokit.ts';
import { evaluateGate, type GateResult } from '../plan/check-gate.ts';
import type { CommitChecks } from '../ports.ts';

export class GitHubCommitChecks implements CommitChecks {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  async gate(sha: string, required: string[]): Promise<GateResult> {
    if (required.length === 0) return { state: 'passed' };
    // Every page: a commit with many checks must not pass or wait on the first hundred.
    const [runs, statuses] = await Promise.all([
      this.octokit.paginate(this.octokit.rest.checks.listForRef, {
        ...this.repo,
        ref: sha,
        per_page: 100,
        filter: 'latest',
      }),
      this.octokit.paginate(this.octokit.rest.repos.listCommitStatusesForRef, {
        ...this.repo,
        ref: sha,
        per_page: 100,
      }),
    ]);
    return evaluateGate(
      required,
      runs.map((r) => ({ name: r.name, status: r.status, conclusion: r.conclusion })),
      latestPerContext(statuses),
    );
  }
}

/** GitHub lists every status of a commit, newest first; a context's state is its newest. */
function latestPerContext(statuses: { context: string; state: string }[]) {
  const seen = new Set<string>();
  return statuses
    .filter((s) => !seen.has(s.context) && seen.add(s.context))
    .map((s) => ({ context: s.context, state: s.state }));
}
