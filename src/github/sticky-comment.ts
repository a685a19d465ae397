import { createHash } from 'node:crypto';
import { isGitHubNotFound, type Octokit } from './octokit.ts';
import type {
  CommentKey,
  CommentState,
  CommentStore,
  PreviewComment,
  StoredComment,
} from '../ports.ts';
import type { AppIdentity } from './app-identity.ts';
import {
  commentMarker,
  parseCommentState,
  renderComment,
  type CommitUrl,
} from './comment-render.ts';
import type { InstallationOutbox } from './outbox.ts';
import { webUrlOf } from './web-url.ts';

/** Whether two states say the same, whenever each was written. */
function sameSaying(a: CommentState, b: CommentState): boolean {
  const { updatedAt: _a, ...left } = a;
  const { updatedAt: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}

export interface StickyCommentDeps {
  identity: AppIdentity;
  outbox: InstallationOutbox;
  store: CommentStore;
  /** This replica, named on the sends it claims. */
  replica: string;
}

/** A claimed send is this replica's for this long; a replica that died leaves it to others then. */
const sendClaimMs = 60_000;

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
  private readonly commitUrl: CommitUrl;

  constructor(octokit: Octokit, key: CommentKey, deps: StickyCommentDeps) {
    this.octokit = octokit;
    this.key = key;
    this.deps = deps;
    const web = webUrlOf(octokit.request.endpoint.DEFAULTS.baseUrl);
    this.commitUrl = (sha) => `${web}/${key.owner}/${key.repo}/commit/${sha}`;
  }

  private render(state: CommentState): string {
    return renderComment(state, this.commitUrl);
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
      let owed = false;
      const stored = await this.deps.store.write(this.key, (current) => {
        const base = current ?? seed;
        const changed = change(base.state);
        // Nothing to say yet: no comment until there is a preview or a problem.
        if (base.commentId === undefined && changed.rows.length === 0 && !changed.problems?.length)
          return undefined;
        // Nothing new to say: the record is not written again, a send still owed is made.
        if (current && !current.closed && sameSaying(changed, current.state)) {
          owed = current.unsent === true;
          return undefined;
        }
        const state = { ...changed, updatedAt: new Date().toISOString() };
        const { closed: _closed, ...open } = base;
        return { ...open, state, unsent: digest(this.render(state)) !== base.sentDigest };
      });
      if (stored?.unsent || owed) this.send();
    });
    this.pending = done.catch(() => undefined);
    return done;
  }

  /** The pull request closed: the record goes once GitHub holds the last state. */
  close(): Promise<void> {
    const done = this.pending.then(async () => {
      const stored = await this.deps.store.write(this.key, (current) =>
        current ? { ...current, closed: true } : undefined,
      );
      if (stored && !stored.unsent) await this.deps.store.forget(this.key);
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

  /**
   * Sends the stored state if GitHub is owed it: the send is claimed in the
   * record first, so of several replicas' outboxes one sends at a time (a
   * claim another holds is waited out, then looked at again); it is marked
   * sent for the state sent only, so a newer one stays owed and is sent
   * next. A refusal is counted, and the claim let go.
   */
  private async write(): Promise<void> {
    const now = Date.now();
    let claimed: StoredComment | undefined;
    let othersUntil = 0;
    await this.deps.store.write(this.key, (current) => {
      claimed = undefined;
      if (!current?.unsent) return undefined;
      const theirs = current.sendingBy && current.sendingBy !== this.deps.replica;
      if (theirs && (current.sendingUntil ?? 0) > now) {
        othersUntil = current.sendingUntil ?? 0;
        return undefined;
      }
      claimed = { ...current, sendingBy: this.deps.replica, sendingUntil: now + sendClaimMs };
      return claimed;
    });
    if (!claimed) {
      if (othersUntil > 0) this.later(othersUntil - now + 100);
      return;
    }
    const sending: StoredComment = claimed;
    const body = this.render(sending.state);
    const sent = digest(body);
    let commentId = sending.commentId;
    try {
      if (sent !== sending.sentDigest) commentId = await this.put(commentId, body);
    } catch (error) {
      await this.deps.store.write(this.key, (current) =>
        current
          ? { ...unclaimed(current), failedSends: (current.failedSends ?? 0) + 1 }
          : undefined,
      );
      throw error;
    }
    let duplicate: number | undefined;
    const after = await this.deps.store.write(this.key, (current) => {
      if (!current) return undefined;
      // Another replica made the comment meanwhile: theirs stays, this one goes.
      const madeMeanwhile =
        current.commentId !== undefined &&
        current.commentId !== sending.commentId &&
        current.commentId !== commentId;
      if (madeMeanwhile) {
        duplicate = commentId;
        return { ...unclaimed(current), unsent: true };
      }
      return {
        ...unclaimed(current),
        ...(commentId !== undefined ? { commentId } : {}),
        sentDigest: sent,
        unsent: digest(this.render(current.state)) !== sent,
        failedSends: 0,
      };
    });
    if (duplicate !== undefined) await this.remove(duplicate);
    if (after?.unsent) this.send();
    else if (after?.closed) await this.deps.store.forget(this.key);
  }

  /** Looks again once another replica's claim has run out. */
  private later(ms: number): void {
    setTimeout(() => this.send(), ms).unref();
  }

  private async remove(commentId: number): Promise<void> {
    await this.octokit.rest.issues
      .deleteComment({ owner: this.key.owner, repo: this.key.repo, comment_id: commentId })
      .catch(() => undefined);
  }

  private async put(commentId: number | undefined, body: string): Promise<number> {
    const issue = { owner: this.key.owner, repo: this.key.repo };
    if (commentId !== undefined) {
      try {
        await this.octokit.rest.issues.updateComment({ ...issue, comment_id: commentId, body });
        return commentId;
      } catch (error) {
        // Deleted by someone: the comment is made again.
        if (!isGitHubNotFound(error)) throw error;
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

function unclaimed(stored: StoredComment): StoredComment {
  const { sendingBy: _by, sendingUntil: _until, ...rest } = stored;
  return rest;
}

function digest(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
