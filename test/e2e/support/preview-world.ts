import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import {
  issueCommentPayload,
  pullRequestPayload,
  type CommentParams,
  type PullRequestParams,
} from '../../fixtures/webhook-payloads.ts';
import { AppProcess } from './app-process.ts';
import { appUnderTest, FakeGitHub } from './fake-github.ts';
import { clients, eventually } from './kube.ts';

export const fixtureCharts = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'charts',
);
const stickyMarker = '<!-- pr-preview:sticky -->';

export const sha = (n: number) => `${String(n).repeat(7)}${'0'.repeat(33)}`.slice(0, 40);

/** The app running against the real cluster and a fake GitHub, plus helpers to drive a pull request. */
/** A commit as the sticky comment links it: [`abc1234`](<GitHub>/<owner>/<repo>/commit/<sha>). */
const commitLink = /\[(`[0-9a-f]{7}`)\]\([^)\s]*\/commit\/[0-9a-f]{40}\)/g;

export class PreviewWorld {
  readonly github: FakeGitHub;
  readonly app = new AppProcess();
  readonly k8s = clients();
  readonly kubeconfig = inject('kubeconfig');
  readonly helm = inject('helm');

  /** Against GitHub as it serves `app`: another app is another installation of pr-preview. */
  constructor(app = appUnderTest) {
    this.github = new FakeGitHub(app);
  }

  /** The environment that makes the app process this world's GitHub App. */
  private get appEnv(): Record<string, string> {
    return { APP_ID: String(this.github.app.id) };
  }

  /**
   * Starts the fake GitHub and the app. The app's reconciler is off unless
   * `env` turns it on: the one that leads keeps leading, so tests that need
   * reconcile passes start replicas of their own with a short interval.
   */
  async start(env?: Record<string, string>): Promise<void> {
    await this.github.start();
    await this.app.start({
      githubHost: this.github.host,
      kubeconfig: inject('kubeconfig'),
      helm: inject('helm'),
      env: { PREVIEW_RECONCILE_INTERVAL: '0', ...this.appEnv, ...env },
    });
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.github.stop();
  }

  /** Another replica, or the same app after a restart, against the same cluster and GitHub. */
  async replica(env: Record<string, string>, replica = new AppProcess()): Promise<AppProcess> {
    await replica.start({
      githubHost: this.github.host,
      kubeconfig: this.kubeconfig,
      helm: this.helm,
      env: { ...this.appEnv, ...env },
    });
    return replica;
  }

  /** A commit whose `.cloud/charts/<app>` is one of the fixture charts. */
  commit(
    repo: { owner: string; repo: string },
    commitSha: string,
    chart: string,
    app = 'foo',
    files: Record<string, string> = {},
  ) {
    this.github.setCommit(repo.owner, repo.repo, commitSha, {
      folders: { [`.cloud/charts/${app}`]: join(fixtureCharts, chart) },
      files,
    });
  }

  /** Sends a pull_request webhook after making GitHub's own view of the pull request agree with it. */
  async send(
    action: string,
    params: PullRequestParams,
    delivery?: string,
    via: AppProcess = this.app,
  ): Promise<void> {
    this.github.addRepository(params.owner, params.repo, params.repositoryId);
    this.github.setPullRequest(params.owner, params.repo, params.number, {
      headSha: params.sha,
      state: action === 'closed' ? 'closed' : (params.state ?? 'open'),
      labels: params.labels,
      ...(params.fork ? { fork: params.fork } : {}),
      draft: params.draft ?? false,
    });
    const status = await via.deliver('pull_request', pullRequestPayload(action, params), delivery);
    if (status !== 200) throw new Error(`webhook answered ${status}`);
  }

  /** The sticky comment's body; there must never be more than one. */
  commentBody(params: { owner: string; repo: string; number: number }): string | undefined {
    const sticky = this.github
      .commentsOn(params.owner, params.repo, params.number)
      .filter((c) => c.body.startsWith(stickyMarker) && c.user.login === this.github.app.login);
    if (sticky.length > 1) throw new Error(`expected one sticky comment, found ${sticky.length}`);
    // Each commit links to GitHub's page of it; tests match the commit as it reads.
    return sticky[0]?.body.replace(commitLink, '$1');
  }

  /** Comments other than the sticky one: replies to commands. */
  replies(params: { owner: string; repo: string; number: number }): string[] {
    return this.github
      .commentsOn(params.owner, params.repo, params.number)
      .filter((c) => !c.body.startsWith(stickyMarker))
      .map((c) => c.body);
  }

  async sendComment(params: CommentParams, via: AppProcess = this.app): Promise<void> {
    const status = await via.deliver('issue_comment', issueCommentPayload(params));
    if (status !== 200) throw new Error(`webhook answered ${status}`);
  }

  /** Waits until the sticky comment matches every pattern. */
  waitForComment(
    params: { owner: string; repo: string; number: number },
    ...patterns: RegExp[]
  ): Promise<string> {
    return eventually(
      `comment matching ${patterns.join(', ')}`,
      async () => {
        const body = this.commentBody(params);
        return body && patterns.every((p) => p.test(body)) ? body : undefined;
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\nlast body:\n${this.commentBody(params)}\napp log tail:\n${this.app.output.join('').slice(-4000)}`,
      );
    });
  }

  async namespacesOf(repositoryId: number, pr: number): Promise<string[]> {
    const list = await this.k8s.core.listNamespace({
      labelSelector: `pr-preview.dev/repository-id=${repositoryId},pr-preview.dev/pull-request=${pr}`,
    });
    return list.items
      .filter((ns) => !ns.metadata?.deletionTimestamp)
      .map((ns) => ns.metadata?.name ?? '')
      .sort();
  }
}
