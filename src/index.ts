import type { ApplicationFunctionOptions, Probot } from 'probot';
import { commitCheckEvents, handleCommitCheck } from './handlers/commit-checks.ts';
import { AppIdentity } from './github/app-identity.ts';
import { handleIssueComment } from './handlers/issue-comment.ts';
import { handlePullRequest, pullRequestActions } from './handlers/pull-request.ts';
import { stopGracefullyOnTerm } from './operations/graceful-shutdown.ts';
import { operationsHandler } from './operations/operations-handler.ts';
import type { Logger } from './ports.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { Readiness } from './operations/readiness.ts';
import { clusterSource, createServices } from './services.ts';
import { readSettings } from './settings.ts';

export default function prPreview(app: Probot, options: ApplicationFunctionOptions): void {
  const identity = new AppIdentity(Number(process.env.APP_ID), () => app.auth());
  const services = createServices(
    readSettings(process.env),
    app.log as unknown as Logger,
    identity,
  );
  app.on([...pullRequestActions], handlePullRequest(services));
  app.on('issue_comment.created', handleIssueComment(services));
  app.on([...commitCheckEvents], handleCommitCheck(services));

  const reconciler = new Reconciler(app, services);
  const stopping = stopGracefullyOnTerm(services, reconciler);
  const clusterConfigured = clusterSource(process.env) !== undefined;
  const readiness = new Readiness({
    cluster: services.cluster,
    clusterConfigured,
    helmBin: services.settings.helmBin,
    shuttingDown: stopping,
    logger: services.logger,
  });
  options.addHandler(operationsHandler({ readiness, metrics: services.metrics }));
  void readiness.start();
  // Without a cluster every pass would fail the same way; the log has said why once.
  if (clusterConfigured) reconciler.start();
}
