import type { Octokit } from './octokit.ts';
import type { DeploymentLog, DeploymentRecord } from '../ports.ts';
import type { InstallationOutbox } from './outbox.ts';

/**
 * GitHub Deployments, written through the installation's outbox after the
 * sticky comment. Per environment only the newest record waits: a deploy
 * that a newer one (or a destroy) superseded before its turn is never sent.
 */
export class GitHubDeployments implements DeploymentLog {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };
  private readonly outbox: InstallationOutbox;

  constructor(octokit: Octokit, repo: { owner: string; repo: string }, outbox: InstallationOutbox) {
    this.octokit = octokit;
    this.repo = repo;
    this.outbox = outbox;
  }

  private key(environment: string): string {
    return `deployment:${this.repo.owner}/${this.repo.repo}:${environment}`;
  }

  record(deploy: DeploymentRecord): void {
    const queuedAt = Date.now();
    void this.outbox.put(this.key(deploy.environment), 'deployment', () =>
      this.create(deploy, queuedAt),
    );
  }

  /**
   * Creates the deployment, and queues its status as a write of its own in
   * the same place, so a comment can go between the two.
   */
  private async create(deploy: DeploymentRecord, queuedAt: number): Promise<void> {
    const { data } = await this.octokit.rest.repos.createDeployment({
      ...this.repo,
      ref: deploy.sha,
      environment: deploy.environment,
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      // The app waits for the checks it is told to (waitFor); GitHub must not block on others.
      required_contexts: [],
      description: `Preview ${deploy.url}`,
    });
    if (!('id' in data))
      throw new Error(`GitHub did not create a deployment: ${data.message ?? 'no reason given'}`);
    const id = data.id;
    void this.outbox.put(
      `${this.key(deploy.environment)}:status:${id}`,
      'deployment',
      async () => {
        await this.octokit.rest.repos.createDeploymentStatus({
          ...this.repo,
          deployment_id: id,
          state: deploy.state,
          ...(deploy.state === 'success' ? { environment_url: deploy.url } : {}),
          ...(deploy.description ? { description: deploy.description.slice(0, 140) } : {}),
        });
      },
      { queuedAt },
    );
  }

  /**
   * Marks every deployment of the environments that is still active
   * inactive: GitHub does not retire earlier transient deployments by
   * itself. Reads are cheap and not paced, so they run now and only the
   * active ones are queued; a record still waiting is dropped.
   */
  async deactivate(environments: string[]): Promise<void> {
    for (const environment of environments) {
      const deployments = await this.octokit.paginate(this.octokit.rest.repos.listDeployments, {
        ...this.repo,
        environment,
        per_page: 100,
      });
      const active: number[] = [];
      for (const deployment of deployments) {
        const { data: statuses } = await this.octokit.rest.repos.listDeploymentStatuses({
          ...this.repo,
          deployment_id: deployment.id,
          per_page: 1,
        });
        if (statuses[0]?.state !== 'inactive') active.push(deployment.id);
      }
      const key = this.key(environment);
      if (active.length === 0) {
        // Supersedes a record that waits, and sends nothing.
        void this.outbox.put(key, 'deployment', () => Promise.resolve(), { isDue: () => false });
        continue;
      }
      void this.outbox.put(
        key,
        'deployment',
        async () => {
          for (const id of active) {
            await this.octokit.rest.repos.createDeploymentStatus({
              ...this.repo,
              deployment_id: id,
              state: 'inactive',
            });
          }
        },
        { writes: active.length },
      );
    }
  }
}
