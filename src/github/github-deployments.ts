import type { ProbotOctokit } from 'probot';
import type { DeploymentLog, DeploymentState } from '../ports.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export class GitHubDeployments implements DeploymentLog {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  async start(params: { environment: string; sha: string; url: string }): Promise<number> {
    const { data } = await this.octokit.rest.repos.createDeployment({
      ...this.repo,
      ref: params.sha,
      environment: params.environment,
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      // The app waits for the checks it is told to (waitFor); GitHub must not block on others.
      required_contexts: [],
      description: `Preview ${params.url}`,
    });
    if (!('id' in data))
      throw new Error(`GitHub did not create a deployment: ${data.message ?? 'no reason given'}`);
    return data.id;
  }

  async update(
    deploymentId: number,
    state: DeploymentState,
    details: { url?: string; description?: string } = {},
  ): Promise<void> {
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: deploymentId,
      state,
      ...(details.url ? { environment_url: details.url } : {}),
      ...(details.description ? { description: details.description.slice(0, 140) } : {}),
    });
  }

  /**
   * Marks every deployment of the environments that is still active
   * inactive: GitHub does not retire earlier transient deployments by
   * itself. Reads are cheap and writes are paced, so each deployment's
   * latest status is read and only the active ones are written.
   */
  async deactivate(environments: string[]): Promise<void> {
    for (const environment of environments) {
      const deployments = await this.octokit.paginate(this.octokit.rest.repos.listDeployments, {
        ...this.repo,
        environment,
        per_page: 100,
      });
      for (const deployment of deployments) {
        const { data: statuses } = await this.octokit.rest.repos.listDeploymentStatuses({
          ...this.repo,
          deployment_id: deployment.id,
          per_page: 1,
        });
        if (statuses[0]?.state !== 'inactive') await this.update(deployment.id, 'inactive');
      }
    }
  }
}
