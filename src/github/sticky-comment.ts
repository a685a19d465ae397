import { createHash } from 'node:crypto';
import type { ProbotOctokit } from 'probot';
import type {
  CommentKey,
  CommentState,
  CommentStore,
  PreviewComment,
  StoredComment,
} from '../ports.ts';
import type { AppIdentity } from './app-identity.ts';
import { commentMarker, parseCommentState, renderComment } from './comment-render.ts';
import type { InstallationOutbox } from './outbox.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface StickyCommentDeps {
  identity: AppIdentity;
  outbox: InstallationOutbox;
  store: CommentStore;
}

/**
 * The one comment per pull request that the app keeps up to date. Its state
 * lives in the cluster (the comment store), written by each update before
 * the job goes on; GitHub is sent the newest state by the installation's
 * outbox when its turn comes, and a state that was never sent (a restart,
 * GitHub down) is sent by the next start or reconcile pass. The first time
 * the store has no state, it comes from the comment on GitHub, found by its
 * hidden marker among the app's own comments (a comment by anyone else that
 * carries the marker is ignored, its state never read).
 */
export class StickyComment implements PreviewComment {
  private pending: Promise<void> = Promise.resolve();
  /** What GitHub showed when the store had nothing yet. */
  private seed: StoredComment | undefined;
  private readonly octokit: Octokit;
  private readonly key: CommentKey;
  private readonly deps: StickyCommentDeps;

  constructor(octokit: Octokit, key: CommentKey, deps: StickyCommentDeps) {
    this.octokit = octokit;
    this.key = key;
    this.deps = deps;
  }

  private get outboxKey(): string {
    return `comment:${this.key.owner}/${this.key.repo}#${this.key.number}`;
  }

  async read(): Promise<CommentState> {
    await this.pending;
    return (await this.load()).state;
  }

  /** Updates apply in the order they were asked for, each to the state stored now. */
  update(change: (state: CommentState) => CommentState): Promise<void> {
    const done = this.pending.then(async () => {
      const seed = await this.load();
      const stored = await this.deps.store.write(this.key, (current) => {
        const base = current ?? seed;
        const state = change(base.state);
        // Nothing to say yet: no comment until there is a preview or a problem.
        if (base.commentId === undefined && state.rows.length === 0 && !state.problems?.length)
          return undefined;
        return { ...base, state, unsent: digest(renderComment(state)) !== base.sentDigest };
      });
      if (stored?.unsent) this.send();
    });
    this.pending = done.catch(() => undefined);
    return done;
  }

  /** Queues a write of the stored state; the outbox sends only the newest, and nothing if GitHub has it. */
  send(): void {
    void this.deps.outbox.put(this.outboxKey, 'comment', () => this.write());
  }

  /** Resolves once this replica's outbox holds no write of this comment. */
  settled(): Promise<void> {
    return this.deps.outbox.settled(this.outboxKey);
  }

  private async write(): Promise<void> {
    const stored = await this.deps.store.read(this.key);
    if (!stored?.unsent) return;
    const body = renderComment(stored.state);
    const sent = digest(body);
    let commentId = stored.commentId;
    if (sent !== stored.sentDigest) commentId = await this.put(commentId, body);
    // Marked sent only for the state sent: a newer one stored meanwhile stays owed.
    await this.deps.store.write(this.key, (current) =>
      current
        ? {
            ...current,
            commentId,
            sentDigest: sent,
            unsent: digest(renderComment(current.state)) !== sent,
          }
        : undefined,
    );
  }

  private async put(commentId: number | undefined, body: string): Promise<number> {
    const issue = { owner: this.key.owner, repo: this.key.repo };
    if (commentId !== undefined) {
      try {
        await this.octokit.rest.issues.updateComment({ ...issue, comment_id: commentId, body });
        return commentId;
      } catch (error) {
        // Deleted by someone: the comment is made again.
        if ((error as { status?: number }).status !== 404) throw error;
      }
    }
    const created = await this.octokit.rest.issues.createComment({
      ...issue,
      issue_number: this.key.number,
      body,
    });
    return created.data.id;
  }

  /** The stored comment, or once what GitHub holds when the store has nothing yet. */
  private async load(): Promise<StoredComment> {
    const stored = await this.deps.store.read(this.key);
    if (stored) return stored;
    if (!this.seed) {
      const found = await this.find();
      this.seed = found
        ? {
            state: parseCommentState(found.body),
            commentId: found.id,
            sentDigest: digest(found.body),
            unsent: false,
          }
        : { state: { rows: [] }, unsent: false };
    }
    return this.seed;
  }

  private async find(): Promise<{ id: number; body: string } | undefined> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      owner: this.key.owner,
      repo: this.key.repo,
      issue_number: this.key.number,
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

function digest(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
