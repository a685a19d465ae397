import type { ProbotOctokit } from 'probot';
import type { CollaboratorPermission } from './permissions.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export type Reaction = 'eyes' | 'rocket' | 'confused';

/** The pull request's conversation: its head, who may do what, replies and reactions. */
export interface PullRequestConversation {
  pullRequest(): Promise<{ headSha: string; state: 'open' | 'closed'; fromFork: boolean }>;
  permissionOf(user: string): Promise<CollaboratorPermission>;
  reply(body: string): Promise<void>;
  react(commentId: number, reaction: Reaction): Promise<void>;
}

export class GitHubConversation implements PullRequestConversation {
  private readonly octokit: Octokit;
  private readonly ref: { owner: string; repo: string; number: number };

  constructor(octokit: Octokit, ref: { owner: string; repo: string; number: number }) {
    this.octokit = octokit;
    this.ref = ref;
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
      if ((error as { status?: number }).status === 404) return { permission: 'none' };
      throw error;
    }
  }

  async reply(body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({
      owner: this.ref.owner,
      repo: this.ref.repo,
      issue_number: this.ref.number,
      body,
    });
  }

  async react(commentId: number, reaction: Reaction): Promise<void> {
    await this.octokit.rest.reactions.createForIssueComment({
      owner: this.ref.owner,
      repo: this.ref.repo,
      comment_id: commentId,
      content: reaction,
    });
  }
}
