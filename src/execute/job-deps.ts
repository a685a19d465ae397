import type { Services } from '../services.ts';
import type { DeployDeps } from './deploy/deploy-previews.ts';
import type { DestroyDeps } from './destroy-previews.ts';
import type { SleepDeps } from './sleep-previews.ts';
import { guardedBy } from './lease-guard.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';

/** The ports a job writes through, stopped once the pull request's Lease is lost. */
function guarded(services: Services, scope: PullRequestScope) {
  const { stop } = scope;
  return {
    cluster: guardedBy(services.cluster, stop),
    records: guardedBy(services.records, stop),
    claims: guardedBy(services.claims, stop),
    failures: guardedBy(services.failures, stop),
  };
}

/** What sleep and wake need, from the long-lived services and one pull request's scope. */
export function sleepDeps(services: Services, scope: PullRequestScope): SleepDeps {
  return {
    cluster: guarded(services, scope).cluster,
    comment: scope.comment,
    metrics: services.metrics,
    logger: scope.logger,
  };
}

/** What a destroy needs: the same, and the GitHub Deployments it marks inactive. */
export function destroyDeps(services: Services, scope: PullRequestScope): DestroyDeps {
  return {
    ...sleepDeps(services, scope),
    deployments: scope.deployments,
    records: guarded(services, scope).records,
    claims: guarded(services, scope).claims,
    guardrails: services.settings.guardrails,
  };
}

/**
 * What a deploy needs, from the long-lived services and one pull request's
 * scope. A deploy that waits for checks needs more: `gatedDeployDeps`
 * (run-checks-job.ts) adds them, since the wait's timer comes back as a checks job.
 */
export function deployDeps(services: Services, scope: PullRequestScope): DeployDeps {
  const { cluster, records, claims, failures } = guarded(services, scope);
  return {
    cluster,
    discovery: services.discovery,
    metrics: services.metrics,
    guardrails: services.settings.guardrails,
    namespacePolicy: services.settings.namespacePolicy,
    sleepPolicy: services.settings.sleep,
    records,
    claims,
    concurrentFetches: services.settings.concurrency,
    fences: services.fences,
    caps: services.settings.caps,
    failures,
    failureBackoff: services.settings.failureBackoff,
    settingsFingerprint: services.settingsFingerprint,
    ...(services.settings.secrets ? { secrets: services.settings.secrets } : {}),
    renderer: services.renderer,
    renderSlots: services.renderSlots,
    // Its retries end with the Lease too: a job that lost it asks nothing more.
    ...(services.smoke ? { smoke: guardedBy(services.smoke, scope.stop) } : {}),
    chartSource: scope.chartSource,
    comment: scope.comment,
    deployments: scope.deployments,
    logger: scope.logger,
  };
}
