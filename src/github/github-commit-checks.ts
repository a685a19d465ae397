import type { ProbotOctokit } from 'probot';
import { evaluateGate, type GateResult } from '../plan/check-gate.ts';
import type { CommitChecks } from '../ports.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export class GitHubCommitChecks implements CommitChecks {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  async gate(sha: string, required: string[]): Promise<GateResult> {
    if (required.length === 0) return { state: 'passed' };
    const [runs, status] = await Promise.all([
      this.octokit.rest.checks.listForRef({
        ...this.repo,
        ref: sha,
        per_page: 100,
        filter: 'latest',
      }),
      this.octokit.rest.repos.getCombinedStatusForRef({ ...this.repo, ref: sha, per_page: 100 }),
    ]);
    return evaluateGate(
      required,
      runs.data.check_runs.map((r) => ({
        name: r.name,
        status: r.status,
        conclusion: r.conclusion,
      })),
      status.data.statuses.map((s) => ({ context: s.context, state: s.state })),
    );
  }
}
