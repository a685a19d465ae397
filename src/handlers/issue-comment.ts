import type { Context, Probot } from 'probot';
import { acceptJob, withDeadline } from '../execute/accepted-jobs.ts';
import { parseCommands } from '../plan/parse-commands.ts';
import { repositoryOf } from './pull-request.ts';
import type { Services } from '../services.ts';
import { conversationOf, pullRequestScope } from '../pull-request-scope.ts';

/**
 * `/preview` commands in new comments on pull requests. Edited and deleted
 * comments, plain issues and bots (this app included) are ignored.
 */
export function handleIssueComment(app: Probot, services: Services) {
  return async (context: Context<'issue_comment.created'>): Promise<void> => {
    const { payload } = context;
    if (!payload.issue.pull_request) return;
    if (payload.comment.user?.type === 'Bot' || payload.sender.type === 'Bot') return;
    const commands = parseCommands(payload.comment.body ?? '');
    if (commands.length === 0) return;
    if (services.deliveries.has(context.id)) return;

    const scope = pullRequestScope(context, payload.issue.number, services);
    const conversation = conversationOf(
      context.octokit,
      { owner: scope.pr.owner, repo: scope.pr.repo, number: scope.pr.number },
      services.outboxes.of(scope.pr.installationId),
    );
    const author = payload.comment.user?.login ?? payload.sender.login;
    // Acknowledged before the job queue, so a busy pull request still shows that it was heard.
    if (services.conversations.take(author, scope.queueKey)) {
      void conversation.react(payload.comment.id, 'eyes');
    }
    // Read now, not when the job runs: a fork's approval covers the head the maintainer saw.
    // Within a few seconds: the job must be recorded before GitHub's delivery times out.
    const pullAtComment = await withDeadline(conversation.pullRequest(), 3_000, 'too slow').catch(
      (error: unknown) => {
        scope.logger.warn({ err: error }, 'could not read the pull request when the comment came');
        return undefined;
      },
    );
    await acceptJob(
      app,
      services,
      {
        repository: repositoryOf(payload),
        number: payload.issue.number,
        delivery: context.id,
        acceptedAt: Date.now(),
        work: {
          kind: 'command',
          commands,
          author,
          commentId: payload.comment.id,
          commentedAt: Date.parse(payload.comment.created_at),
          ...(pullAtComment ? { pullAtComment } : {}),
        },
      },
      { scope, conversation },
    );
  };
}
