// The sticky comment of a pull request: its rows, and the store every replica
// shares. Adapters: github/sticky-comment.ts, deploy/kubernetes-comment-store.ts.

import type { PreviewOrigin } from '../plan/labels.ts';

export type RowStatus =
  'waiting' | 'deploying' | 'ready' | 'sleeping' | 'failed' | 'destroyed' | 'expired';

export interface CommentRow {
  tenant: string | null;
  url: string;
  status: RowStatus;
  sha: string;
  /** Why it failed, or what it waits for. */
  reason?: string;
  /** A short fact shown after the status, such as a smoke check's answer. */
  note?: string;
  /** When waiting began (ms since the epoch), for the wait's timeout. */
  since?: number;
  /** On a waiting row: a command asked for it, so the preview outlives the labels. */
  origin?: PreviewOrigin;
  /** On a waiting row: `/preview redeploy` asked for it, so it is deleted first once checks pass. */
  recreate?: boolean;
  /** Who kept the preview past its ttl (`/preview keep`), until `/preview unkeep` or its destroy. */
  keptBy?: string;
}

export interface CommentState {
  rows: CommentRow[];
  /** A problem not tied to one tenant (bad configuration), shown above the table. */
  problems?: string[];
  /** For a pull request from a fork: the one commit a maintainer approved with `/preview deploy`. */
  approvedSha?: string;
  /** When what the comment says last changed (ISO time). */
  updatedAt?: string;
}

/** Which pull request's comment: enough to find it on GitHub and in the cluster. */
export interface CommentKey {
  repositoryId: number;
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/** A sticky comment as the cluster keeps it: the state, and what GitHub was last given. */
export interface StoredComment {
  state: CommentState;
  /** GitHub's id of the comment, once it exists. */
  commentId?: number;
  /** Digest of the body GitHub holds, as last written (or read). */
  sentDigest?: string;
  /** The state is newer than what GitHub holds: a write is owed. */
  unsent: boolean;
  /** A replica sending it now, and until when (ms): the others leave it alone meanwhile. */
  sendingBy?: string;
  sendingUntil?: number;
  /** Sends given up in a row (GitHub refused): after a few, no pass tries again. */
  failedSends?: number;
  /** The pull request closed: once GitHub holds the last state the record goes. */
  closed?: boolean;
}

/**
 * Every sticky comment's state, kept in the cluster where every replica reads
 * the same and a restart finds it: GitHub only ever shows it.
 */
export interface CommentStore {
  read(key: CommentKey): Promise<StoredComment | undefined>;
  /** Changes the stored comment as `change` says, from what is stored now; undefined changes nothing. */
  write(
    key: CommentKey,
    change: (current: StoredComment | undefined) => StoredComment | undefined,
  ): Promise<StoredComment | undefined>;
  /** Comments whose newest state GitHub does not hold yet, when each last changed (ms), and its failed sends. */
  unsent(): Promise<{ key: CommentKey; changedAt: number; failedSends: number }[]>;
  /** Comments with rows waiting for checks, and the commits they wait on. */
  waiting(): Promise<{ key: CommentKey; shas: string[] }[]>;
  /** Every stored comment, for the previews overview. */
  all(): Promise<{ key: CommentKey; stored: StoredComment }[]>;
  forget(key: CommentKey): Promise<void>;
}

/** The sticky comment of one pull request. */
export interface PreviewComment {
  read(): Promise<CommentState>;
  update(change: (state: CommentState) => CommentState): Promise<void>;
  /** The pull request closed: the comment's record goes once GitHub holds its last state. */
  close(): Promise<void>;
}
