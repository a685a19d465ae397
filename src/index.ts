import type { Probot } from 'probot';
import { commitCheckEvents, handleCommitCheck } from './handlers/commit-checks.ts';
import { handleIssueComment } from './handlers/issue-comment.ts';
import { handlePullRequest, pullRequestActions } from './handlers/pull-request.ts';
import type { Logger } from './ports.ts';
import { createServices } from './services.ts';
import { readSettings } from './settings.ts';

export default function prPreview(app: Probot): void {
  const services = createServices(readSettings(process.env), app.log as unknown as Logger);
  app.on([...pullRequestActions], handlePullRequest(services));
  app.on('issue_comment.created', handleIssueComment(services));
  app.on([...commitCheckEvents], handleCommitCheck(services));
}
