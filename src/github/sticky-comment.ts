import type { ProbotOctokit } from 'probot';
import type { CommentState, PreviewComment } from '../ports.ts';
import type { AppIdentity } from './app-identity.ts';
import { commentMarker, parseCommentState, renderComment } from './comment-render.ts';
import type { InstallationOutbox } from './outbox.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface IssueRef {
  owner: string;
  repo: string;
  issue_number: number;
}

/** What this replica knows of one pull request's comment: its newest state and what GitHub holds. */
interface CommentSlot {
  state: CommentState;
  id?: number;
  /** The body GitHub holds, as last read or written. */
  written?: string;
}

/**
 * The newest state of each sticky comment this replica still has to write,
 * shared by the jobs of one pull request: a later job goes on from the state
 * an earlier one left, which GitHub may not hold yet.
 */
export class CommentSlots {
  private readonly slots = new Map<string, CommentSlot>();

  get(key: string): CommentSlot | undefined {
    return this.slots.get(key);
  }

  set(key: string, slot: CommentSlot): void {
    this.slots.set(key, slot);
  }

  forget(key: string, slot: CommentSlot): void {
    if (this.slots.get(key) === slot) this.slots.delete(key);
  }
}

/**
 * The one comment per pull request that the app keeps up to date. It is found
 * by its hidden marker among the app's own comments, so a restart loses
 * nothing; a comment by anyone else that carries the marker is ignored, and
 * its state (a fork approval, recorded rows) never read.
 *
 * An update changes the state at once and queues the write in the
 * installation's outbox, which sends the newest state when its turn comes:
 * the job goes on without waiting for GitHub, and states that a newer one
 * superseded before their turn are never sent.
 */
export class StickyComment implements PreviewComment {
  private slot: CommentSlot | undefined;
  private pending: Promise<void> = Promise.resolve();
  private readonly key: string;
  private readonly octokit: Octokit;
  private readonly issue: IssueRef;
  private readonly deps: { identity: AppIdentity; outbox: InstallationOutbox; slots: CommentSlots };

  constructor(
    octokit: Octokit,
    issue: IssueRef,
    deps: { identity: AppIdentity; outbox: InstallationOutbox; slots: CommentSlots },
  ) {
    this.octokit = octokit;
    this.issue = issue;
    this.deps = deps;
    this.key = `comment:${issue.owner}/${issue.repo}#${issue.issue_number}`;
  }

  async read(): Promise<CommentState> {
    await this.pending;
    return (await this.load()).state;
  }

  /** Updates apply in the order they were asked for, each to the state the one before left. */
  update(change: (state: CommentState) => CommentState): Promise<void> {
    const done = this.pending.then(async () => {
      const slot = await this.load();
      slot.state = change(slot.state);
      // Nothing to say yet: no comment until there is a preview or a problem.
      if (slot.id === undefined && slot.state.rows.length === 0 && !slot.state.problems?.length)
        return;
      this.deps.slots.set(this.key, slot);
      void this.deps.outbox
        .put(this.key, 'comment', () => this.write(slot), {
          isDue: () => renderComment(slot.state) !== slot.written,
        })
        .then(() => {
          if (!this.deps.outbox.holds(this.key)) this.deps.slots.forget(this.key, slot);
        });
    });
    this.pending = done.catch(() => undefined);
    return done;
  }

  /** Resolves once GitHub holds every state this comment was given. */
  settled(): Promise<void> {
    return this.deps.outbox.settled(this.key);
  }

  private async write(slot: CommentSlot): Promise<void> {
    const body = renderComment(slot.state);
    if (body === slot.written) return;
    if (slot.id !== undefined) {
      await this.octokit.rest.issues.updateComment({
        owner: this.issue.owner,
        repo: this.issue.repo,
        comment_id: slot.id,
        body,
      });
    } else {
      const created = await this.octokit.rest.issues.createComment({ ...this.issue, body });
      slot.id = created.data.id;
    }
    slot.written = body;
  }

  /**
   * The state this job goes on from: one another job of this replica left
   * and the outbox still has to write, else what GitHub holds now (another
   * replica may have written it since).
   */
  private async load(): Promise<CommentSlot> {
    if (this.slot) return this.slot;
    const queued = this.deps.slots.get(this.key);
    if (queued && this.deps.outbox.holds(this.key)) return (this.slot = queued);
    const found = await this.find();
    this.slot = found
      ? { state: parseCommentState(found.body), id: found.id, written: found.body }
      : { state: { rows: [] } };
    return this.slot;
  }

  private async find(): Promise<{ id: number; body: string } | undefined> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.issue,
      per_page: 100,
    });
    for (const comment of comments) {
      if (comment.body?.startsWith(commentMarker) && (await this.deps.identity.wrote(comment))) {
        return { id: comment.id, body: comment.body };
      }
    }
    return undefined;
  }
}
