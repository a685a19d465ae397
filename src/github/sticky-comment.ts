import type { ProbotOctokit } from 'probot';
import type { CommentState, PreviewComment } from '../ports.ts';
import type { AppIdentity } from './app-identity.ts';
import { commentMarker, parseCommentState, renderComment } from './comment-render.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface IssueRef {
  owner: string;
  repo: string;
  issue_number: number;
}

/**
 * The one comment per pull request that the app keeps up to date. It is found
 * by its hidden marker among the app's own comments, so a restart loses
 * nothing; a comment by anyone else that carries the marker is ignored, and
 * its state (a fork approval, recorded rows) never read.
 */
export class StickyComment implements PreviewComment {
  private commentId: number | undefined;
  private pending: Promise<void> = Promise.resolve();
  private lastBody: string | undefined;
  private readonly octokit: Octokit;
  private readonly issue: IssueRef;
  private readonly identity: AppIdentity;

  constructor(octokit: Octokit, issue: IssueRef, identity: AppIdentity) {
    this.octokit = octokit;
    this.issue = issue;
    this.identity = identity;
  }

  async read(): Promise<CommentState> {
    const current = await this.find();
    return current ? parseCommentState(current.body) : { rows: [] };
  }

  /** Updates apply in the order they were asked for, each to what the one before wrote. */
  update(change: (state: CommentState) => CommentState): Promise<void> {
    const done = this.pending.then(() => this.write(change));
    this.pending = done.catch(() => undefined);
    return done;
  }

  private async write(change: (state: CommentState) => CommentState): Promise<void> {
    const current = await this.find();
    const state = change(current ? parseCommentState(current.body) : { rows: [] });
    // Nothing to say yet: no comment until there is a preview or a problem.
    if (!current && state.rows.length === 0 && !state.problems?.length) return;
    const next = renderComment(state);
    if (current && next === current.body) return;
    if (current) {
      await this.octokit.rest.issues.updateComment({
        ...this.repoRef(),
        comment_id: current.id,
        body: next,
      });
    } else {
      const created = await this.octokit.rest.issues.createComment({ ...this.issue, body: next });
      this.commentId = created.data.id;
    }
    this.lastBody = next;
  }

  private async find(): Promise<{ id: number; body: string } | undefined> {
    if (this.commentId !== undefined && this.lastBody !== undefined) {
      return { id: this.commentId, body: this.lastBody };
    }
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.issue,
      per_page: 100,
    });
    let mine: (typeof comments)[number] | undefined;
    for (const comment of comments) {
      if (comment.body?.startsWith(commentMarker) && (await this.identity.wrote(comment))) {
        mine = comment;
        break;
      }
    }
    if (!mine) return undefined;
    this.commentId = mine.id;
    this.lastBody = mine.body ?? '';
    return { id: mine.id, body: mine.body ?? '' };
  }

  private repoRef() {
    return { owner: this.issue.owner, repo: this.issue.repo };
  }
}
