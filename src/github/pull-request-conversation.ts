import { isGitHubNotFound, type Octokit } from './octokit.ts';
import type { Reaction } from '../plan/types.ts';
import type { CollaboratorPermission } from '../plan/permissions.ts';
import type { PullRequestConversation } from '../ports.ts';
import type { InstallationOutbox } from './outbox.ts';

let writeCount = 0;

export class GitHubConversation implements PullRequestConversation {
  private readonly octokit: Octokit;
  private readonly ref: { owner: string; repo: string; number: number };
  private readonly outbox: InstallationOutbox;

  constructor(
    octokit: Octokit,
    ref: { owner: string; repo: string; number: number },
    outbox: InstallationOutbox,
  ) {
    this.octokit = octokit;
    this.ref = ref;
    this.outbox = outbox;
  }

  /** A key of its own: answers are never coalesced. */
  private uniqueKey(what: string): string {
    return `${what}:${this.ref.owner}/${this.ref.repo}#${this.ref.number}:${++writeCount}`;
  }

  async pullRequest() {
    const { data } = await this.octokit.rest.pulls.get({
      owner: this.ref.owner,
      repo: this.ref.repo,
      pull_number: this.ref.number,
    });
    return {
      headSha: data.head.sha,
      state: data.state as 'open' | 'closed',
      // A deleted fork shows as no repository at all.
      fromFork: !data.head.repo || data.head.repo.full_name !== data.base.repo.full_name,
    };
  }

  async permissionOf(user: string): Promise<CollaboratorPermission> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: this.ref.owner,
        repo: this.ref.repo,
        username: user,
      });
      return { permission: data.permission, role_name: data.role_name };
    } catch (error) {
      // Someone who is not a collaborator at all answers 404.
      if (isGitHubNotFound(error)) return { permission: 'none' };
      throw error;
    }
  }

  reply(body: string): Promise<boolean> {
    return this.outbox.put(this.uniqueKey('reply'), 'conversation', async () => {
      await this.octokit.rest.issues.createComment({
        owner: this.ref.owner,
        repo: this.ref.repo,
        issue_number: this.ref.number,
        body,
      });
    });
  }

  react(commentId: number, reaction: Reaction): Promise<boolean> {
    return this.outbox.put(this.uniqueKey('reaction'), 'conversation', async () => {
      await this.octokit.rest.reactions.createForIssueComment({
        owner: this.ref.owner,
        repo: this.ref.repo,
        comment_id: commentId,
        content: reaction,
      });
    });
  }
}
