export type ForkApproval = { approved: true; sha: string } | { approved: false; reason: string };

/**
 * Which commit of a fork a maintainer's `/preview deploy` approves: the head
 * when the comment was written, as the app read it on receiving the comment.
 * A push that GitHub reports after the comment (by the time its own webhook
 * carries) is a commit the maintainer did not see: it needs a new approval.
 * Commit dates are no guide: whoever commits sets them.
 */
export function forkApproval(params: {
  /** The head read when the comment arrived; undefined when it could not be read. */
  sha: string | undefined;
  /** When GitHub says the comment was written (ms since the epoch). */
  commentedAt: number;
  /** When GitHub said that head was pushed, if the app heard of it. */
  pushedAt?: number;
}): ForkApproval {
  if (params.sha === undefined) {
    return {
      approved: false,
      reason:
        'The pull request could not be read when this comment arrived, so the app cannot tell which commit it approves; comment `/preview deploy` again.',
    };
  }
  if (params.pushedAt !== undefined && params.pushedAt > params.commentedAt) {
    return {
      approved: false,
      reason: `commit \`${params.sha.slice(0, 7)}\` was pushed after this comment was written, so it is not the one approved; approve it with a new \`/preview deploy\``,
    };
  }
  return { approved: true, sha: params.sha };
}
