import type { ProbotOctokit } from 'probot';
import { UserFacingError } from '../errors.ts';
import type { ChartSource } from '../ports.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Charts come from the pull request's head commit through the base
 * repository's tarball endpoint, which serves fork commits of open pull
 * requests too. One download per commit, however many tenants.
 */
export class GitHubChartSource implements ChartSource {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  async downloadArchive(sha: string): Promise<Buffer> {
    try {
      const response = await this.octokit.rest.repos.downloadTarballArchive({
        ...this.repo,
        ref: sha,
      });
      return Buffer.from(response.data as ArrayBuffer);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404)
        throw new UserFacingError(`commit ${sha.slice(0, 7)} cannot be downloaded (not found)`);
      throw error;
    }
  }
}
