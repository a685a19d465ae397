import { expiryWarningText } from '../github/command-replies.ts';
import type { PullRequestConversation } from '../ports.ts';
import { expiryWarningDue, warnedMarks } from '../plan/expiry.ts';
import { previewSelector } from '../plan/targets.ts';
import type { PullRequestRef } from '../plan/types.ts';
import type { Cluster, Logger } from '../ports.ts';

export interface ExpiryWarningDeps {
  cluster: Pick<Cluster, 'listPreviews' | 'markLifetime'>;
  conversation: Pick<PullRequestConversation, 'reply'>;
  logger: Logger;
}

/**
 * Tells the pull request that its previews expire soon, once per expiry:
 * the previews are read again (a push since may have moved the expiry),
 * the reply is sent, and only then is each marked warned, so a crash in
 * between warns twice rather than never.
 */
export async function warnOfExpiry(
  deps: ExpiryWarningDeps,
  params: { pr: PullRequestRef; namespaces: string[]; now: number },
): Promise<void> {
  const observed = await deps.cluster.listPreviews(previewSelector(params.pr));
  const due = observed.filter(
    (p) => params.namespaces.includes(p.namespace) && expiryWarningDue(p, params.now),
  );
  if (due.length === 0) return;
  if (!(await deps.conversation.reply(expiryWarningText(due, params.now)))) {
    deps.logger.warn('the expiry warning could not be sent: the next pass tries again');
    return;
  }
  for (const preview of due)
    await deps.cluster.markLifetime(preview.namespace, warnedMarks(preview));
  deps.logger.info({ namespaces: due.map((p) => p.namespace) }, 'warned of the previews’ expiry');
}
