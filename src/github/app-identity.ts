import type { Octokit } from './octokit.ts';

/** What GitHub says of a comment's author. */
export interface CommentAuthor {
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { id?: number } | null;
}

/**
 * Who this app is on GitHub: its id (APP_ID) and its bot account
 * (`<slug>[bot]`, from `GET /app`, asked once). Only comments it wrote itself
 * count as its own: other bots echo user text, markers included.
 */
export class AppIdentity {
  private readonly appId: number;
  private readonly appOctokit: () => Promise<Octokit>;
  private botLogin: Promise<string> | undefined;

  constructor(appId: number, appOctokit: () => Promise<Octokit>) {
    this.appId = appId;
    this.appOctokit = appOctokit;
  }

  /** Whether the comment was written by this app. */
  async wrote(comment: CommentAuthor): Promise<boolean> {
    if (comment.performed_via_github_app?.id === this.appId) return true;
    if (comment.user?.type !== 'Bot' || !comment.user.login) return false;
    return comment.user.login === (await this.login());
  }

  private login(): Promise<string> {
    this.botLogin ??= this.appOctokit()
      .then((octokit) => octokit.rest.apps.getAuthenticated())
      .then(({ data }) => `${data?.slug}[bot]`)
      .catch((error: unknown) => {
        // Asked again next time: a passing failure must not stick.
        this.botLogin = undefined;
        throw error;
      });
    return this.botLogin;
  }
}
