import type { ApplicationFunctionOptions, Probot } from 'probot';
import { commitCheckEvents, handleCommitCheck } from './handlers/commit-checks.ts';
import { AppIdentity } from './github/app-identity.ts';
import { handleIssueComment } from './handlers/issue-comment.ts';
import { handlePullRequest, pullRequestActions } from './handlers/pull-request.ts';
import { stopGracefullyOnTerm } from './operations/graceful-shutdown.ts';
import { operationsHandler } from './operations/operations-handler.ts';
import { listenOnOwnPort } from './operations/own-port-server.ts';
import { overviewEndpoint } from './operations/overview-endpoint.ts';
import { wakeEndpoint } from './operations/wake-endpoint.ts';
import { recentFor } from './operations/metrics.ts';
import { WakesOnRequest } from './execute/wake-on-request.ts';
import { allPreviewsSelector } from './plan/targets.ts';
import type { Logger, ObservedPreview } from './ports.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { resumeWork } from './execute/resume-work.ts';
import { redeliverMissed } from './github/redeliver-missed.ts';
import { githubWebUrl } from './github/web-url.ts';
import { Readiness } from './operations/readiness.ts';
import { planOverview } from './plan/previews-overview.ts';
import {
  clusterSource,
  logIdleMeasure,
  logStartUp,
  startUpProblems,
} from './operations/start-up.ts';
import { createServices, loadKubeConfig, type Services } from './services.ts';
import { readSettings, type Settings } from './settings/read-settings.ts';

export default function prPreview(app: Probot, options: ApplicationFunctionOptions): void {
  const logger = app.log as unknown as Logger;
  const settings = settingsOrExit(app);
  const kubeConfig = loadKubeConfig(process.env);
  const identity = new AppIdentity(Number(process.env.APP_ID), () => app.auth());
  const services = createServices(settings, logger, identity, kubeConfig);
  logStartUp({
    logger,
    env: process.env,
    kubeConfig,
    instance: settings.instance,
    namespace: settings.leaseNamespace,
  });
  logIdleMeasure(logger, settings);
  app.on([...pullRequestActions], handlePullRequest(app, services));
  app.on('issue_comment.created', handleIssueComment(app, services));
  app.on([...commitCheckEvents], handleCommitCheck(app, services));

  const reconciler = new Reconciler(app, services);
  const stopping = stopGracefullyOnTerm(services, reconciler);
  const clusterConfigured = clusterSource(process.env) !== undefined;
  const readiness = new Readiness({
    cluster: services.cluster,
    fences: services.fences,
    leases: services.leases,
    clusterConfigured,
    helmBin: services.settings.helmBin,
    shuttingDown: stopping,
    logger: services.logger,
  });
  // One read of the previews every 2 s at most, for visitors of sleeping previews and the overview.
  const recentPreviews = recentFor(2_000, () => services.cluster.listPreviews(allPreviewsSelector));
  if (services.settings.sleep.wake) serveWakes(app, services, recentPreviews);
  if (services.settings.overviewPort) {
    const { overviewPort, overviewHost } = services.settings;
    serveOverview(services, recentPreviews, { port: overviewPort, host: overviewHost });
  }
  options.addHandler(operationsHandler({ readiness, metrics: services.metrics }));
  // Without a cluster every pass would fail the same way; the log has said why once.
  void readiness.start().then(async () => {
    if (clusterConfigured) await resumeAtStart(app, services);
  });
  if (clusterConfigured) reconciler.start();
}

/** What the last run acknowledged and did not finish, taken up once the app has looked around. */
async function resumeAtStart(app: Probot, services: Services): Promise<void> {
  const logger = services.logger.child({ component: 'resume' });
  await resumeWork(app, services, { minAgeMs: 0, logger }).catch((error: unknown) =>
    logger.error({ err: error }, 'could not take up the work accepted before the start'),
  );
  // Then what never reached the app: GitHub sends it again, and it is accepted as any webhook.
  await redeliverMissed(app, services.deliveryWindow, logger).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not ask GitHub for the deliveries missed while away'),
  );
}

/**
 * The app's settings, or a fatal log line naming every problem and exit 1:
 * an app that cannot work safely does not start, and says why in its own log.
 */
function settingsOrExit(app: Probot): Settings {
  const problems = startUpProblems(process.env);
  let settings: Settings | undefined;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (settings && problems.length === 0) return settings;
  app.log.fatal({ problems }, `pr-preview cannot start:\n${problems.join('\n')}`);
  process.exit(1);
}

/** Requests for sleeping previews, on a port of their own: visitors never reach webhooks or metrics. */
function serveWakes(
  app: Probot,
  services: Services,
  previews: () => Promise<ObservedPreview[]>,
): void {
  const logger = services.logger.child({ component: 'wake' });
  const wakes = new WakesOnRequest(app, services);
  const handle = wakeEndpoint({
    previews,
    wake: (preview) => {
      wakes
        .request(preview)
        .catch((error: unknown) =>
          logger.error({ err: error, namespace: preview.namespace }, 'wake failed'),
        );
    },
    logger,
    ignoredUserAgents: services.settings.traffic.ignoredUserAgents,
  });
  listenOnOwnPort({
    name: 'wake endpoint',
    port: services.settings.wakePort,
    ...(process.env.HOST ? { host: process.env.HOST } : {}),
    handle,
    logger,
  }).catch((error: unknown) =>
    logger.error(
      { err: error, port: services.settings.wakePort },
      `the wake endpoint cannot listen on PREVIEW_WAKE_PORT ${services.settings.wakePort}: sleeping previews wake only by command or push`,
    ),
  );
}

/** The previews overview for the platform team, read-only, on an internal port of its own. */
function serveOverview(
  services: Services,
  recentPreviews: () => Promise<ObservedPreview[]>,
  { port, host }: { port: number; host: string },
): void {
  const logger = services.logger.child({ component: 'overview' });
  const webUrl = githubWebUrl(process.env);
  const overview = recentFor(2_000, async () => {
    const [previews, comments] = await Promise.all([recentPreviews(), services.comments.all()]);
    return planOverview({ previews, comments, githubWebUrl: webUrl, now: new Date() });
  });
  listenOnOwnPort({
    name: 'previews overview',
    port,
    host,
    handle: overviewEndpoint({ overview, logger }),
    logger,
  }).catch((error: unknown) =>
    logger.error(
      { err: error, port },
      `the previews overview cannot listen on PREVIEW_OVERVIEW_HOST ${host}, PREVIEW_OVERVIEW_PORT ${port}`,
    ),
  );
}
