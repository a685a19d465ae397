import type { Octokit } from './octokit.ts';
import type { ArchiveLocation, ChartSource } from '../ports.ts';

/**
 * Charts come from the pull request's head commit through the base
 * repository's tarball endpoint, which serves fork commits of open pull
 * requests too. This adapter only says where and with which token: the
 * download runs apart from the app (see `fetchChartInChild`).
 */
export class GitHubChartSource implements ChartSource {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  async archiveLocation(sha: string): Promise<ArchiveLocation> {
    const { token } = (await this.octokit.auth({ type: 'installation' })) as { token: string };
    const { baseUrl } = this.octokit.request.endpoint.DEFAULTS;
    const { owner, repo } = this.repo;
    return {
      url: `${baseUrl}/repos/${owner}/${repo}/tarball/${encodeURIComponent(sha)}`,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'pr-preview',
      },
    };
  }
}
