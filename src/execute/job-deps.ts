import type { Services } from '../services.ts';
import type { Settings } from '../settings/read-settings.ts';
import type { DeployDeps } from './deploy/deploy-previews.ts';
import type { DestroyDeps } from './destroy-previews.ts';
import type { SleepDeps } from './sleep-previews.ts';
import type { TearDownDeps } from './tear-down.ts';
import { guardedBy } from './lease-guard.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';

/** The long-lived parts a sleep or wake works through. */
export type SleepServices = Pick<Services, 'cluster' | 'metrics'>;

/** The long-lived parts a destroy works through. */
export type DestroyServices = SleepServices &
  Pick<Services, 'records' | 'claims'> & {
    settings: Pick<Settings, 'guardrails'>;
  };

/** The long-lived parts a deploy works through. */
export type DeployServices = DestroyServices &
  Pick<
    Services,
    | 'failures'
    | 'discovery'
    | 'fences'
    | 'renderer'
    | 'renderSlots'
    | 'smoke'
    | 'settingsFingerprint'
  > & {
    settings: Pick<
      Settings,
      | 'guardrails'
      | 'namespacePolicy'
      | 'sleep'
      | 'concurrency'
      | 'caps'
      | 'failureBackoff'
      | 'secrets'
    >;
  };

/**
 * What sleep and wake need, from the long-lived services and one pull
 * request's scope. The ports a job writes through are guarded: they refuse
 * every call once the pull request's Lease is lost.
 */
export function sleepDeps(services: SleepServices, scope: PullRequestScope): SleepDeps {
  return {
    cluster: guardedBy(services.cluster, scope.stop),
    comment: scope.comment,
    metrics: services.metrics,
    logger: scope.logger,
  };
}

/**
 * What deleting namespaces needs, and nothing of GitHub: a preview whose
 * repository the app no longer sees is torn down with just this.
 */
export function tearDownDeps(
  services: DestroyServices,
  scope: Pick<PullRequestScope, 'stop' | 'logger'>,
): TearDownDeps {
  return {
    cluster: guardedBy(services.cluster, scope.stop),
    records: guardedBy(services.records, scope.stop),
    claims: guardedBy(services.claims, scope.stop),
    guardrails: services.settings.guardrails,
    logger: scope.logger,
  };
}

/** What a destroy needs: a tear-down's, the comment, and the GitHub Deployments it marks inactive. */
export function destroyDeps(services: DestroyServices, scope: PullRequestScope): DestroyDeps {
  return {
    ...sleepDeps(services, scope),
    ...tearDownDeps(services, scope),
    deployments: scope.deployments,
  };
}

/**
 * What a deploy needs, from the long-lived services and one pull request's
 * scope. A deploy that waits for checks needs more: `gatedDeployDeps`
 * (run-checks-job.ts) adds them, since the wait's timer comes back as a checks job.
 */
export function deployDeps(services: DeployServices, scope: PullRequestScope): DeployDeps {
  return {
    ...destroyDeps(services, scope),
    discovery: services.discovery,
    namespacePolicy: services.settings.namespacePolicy,
    sleepPolicy: services.settings.sleep,
    concurrentFetches: services.settings.concurrency,
    fences: services.fences,
    caps: services.settings.caps,
    failures: guardedBy(services.failures, scope.stop),
    failureBackoff: services.settings.failureBackoff,
    settingsFingerprint: services.settingsFingerprint,
    ...(services.settings.secrets ? { secrets: services.settings.secrets } : {}),
    renderer: services.renderer,
    renderSlots: services.renderSlots,
    // Its retries end with the Lease too: a job that lost it asks nothing more.
    ...(services.smoke ? { smoke: guardedBy(services.smoke, scope.stop) } : {}),
    chartSource: scope.chartSource,
  };
}
