import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreviewConfig } from '../../plan/preview-config.ts';
import { removeExtracted } from '../../deploy/chart-archive.ts';
import { archiveCapFor, fetchChartInChild } from '../../deploy/chart-fetch.ts';
import { redactValues } from '../../deploy/redact.ts';
import { UserFacingError } from '../../errors.ts';
import type { PreviewCaps } from '../../plan/claims.ts';
import { annotationKeys, labelKeys } from '../../plan/labels.ts';
import type { PreviewTarget, TenantOutcome } from '../../plan/types.ts';
import {
  recordFailure,
  sameFailure,
  type Backoff,
  type FailureRecord,
} from '../../plan/failure-memory.ts';
import type {
  ChartSource,
  DeploymentLog,
  FailureMemory,
  Fences,
  PreviewClaims,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewComment,
  SecretCopy,
} from '../../ports.ts';
import { row, upsertRows } from '../../plan/comment-rows.ts';
import { deployTenant, type TenantDeps } from './deploy-tenant.ts';
import { releaseClaim } from './tenant-namespace.ts';
import { failureReason, secretValues } from './failure-text.ts';
import { recordDeployments } from './record-deployments.ts';

export interface DeployDeps extends TenantDeps {
  /** The admission policies that keep previews in their fences: no deploy without them. */
  fences: Fences;
  chartSource: ChartSource;
  comment: PreviewComment;
  deployments: DeploymentLog;
  metrics: Metrics;
  caps: PreviewCaps;
  /** Namespaces, hosts and places under the caps, reserved before a preview is made. */
  claims: PreviewClaims;
  /** How many archives may be downloaded at once (the pull requests worked on at once). */
  concurrentFetches: number;
  secrets?: { namespace: string; names: string[] };
  /** Failed commits, remembered so the reconciler backs off from them. */
  failures: FailureMemory;
  failureBackoff: Backoff;
  settingsFingerprint: string;
  logger: Logger;
}

export interface DeployParams {
  pr: number;
  sha: string;
  targets: PreviewTarget[];
  config: PreviewConfig;
  observed: ObservedPreview[];
  /**
   * Set when the reconciler retries: what failed at this commit before, if
   * anything. A retry that fails the same way writes nothing to GitHub.
   */
  retry?: { known: FailureRecord | undefined };
}

/**
 * Deploys every target at one commit. The chart is downloaded and unpacked
 * once for all tenants; each tenant then goes through its own phases (see
 * `deployTenant`), so one failed tenant never holds back or hides another.
 */
export async function deployPreviews(
  deps: DeployDeps,
  params: DeployParams,
): Promise<TenantOutcome[]> {
  const { sha, targets } = params;
  const known = params.retry?.known;
  // GitHub paces writes: the work starts without waiting for "deploying" to show.
  // A retry of a known failure shows nothing until it knows something new.
  const deployingShown = known
    ? Promise.resolve()
    : deps.comment
        .update((state) =>
          upsertRows(
            state,
            targets.map((target) => row(target, sha, 'deploying')),
          ),
        )
        .catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not show the deploy on the comment'),
        );
  const workDir = await mkdtemp(join(tmpdir(), 'pr-preview-chart-'));
  // Downloaded while the platform's fences and caps are read: a refusal only
  // wastes the download, and the download no longer waits for the reading.
  const chart = fetchChart(deps, params, workDir);
  let outcomes: TenantOutcome[];
  try {
    const refusedByPlatform = await platformRefusals(deps, params);
    const { chartDir, chartError, secrets } = await chart;
    outcomes = await Promise.all(
      targets.map(async (target): Promise<TenantOutcome> => {
        const logger = deps.logger.child({ tenant: target.tenant, namespace: target.namespace });
        const started = Date.now();
        const seconds = () => (Date.now() - started) / 1000;
        const chartSecrets: string[] = [];
        const previous = params.observed.find((p) => p.namespace === target.namespace);
        try {
          const refusal = refusedByPlatform.get(target.namespace);
          if (chartError) {
            // Claimed a moment ago for a preview that cannot be made: given back.
            if (!previous && !refusal) await releaseClaim(deps, logger, target);
            throw chartError;
          }
          if (refusal) throw new UserFacingError(refusal);
          const notes = await deployTenant({
            deps,
            logger,
            target,
            chartSecrets,
            sha,
            chartDir: chartDir as string,
            config: params.config,
            previous,
            secrets,
          });
          deps.metrics.deployFinished('success', seconds());
          logger.info({ sha, notes }, 'preview deployed');
          return { target, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
        } catch (error) {
          deps.metrics.deployFinished('failure', seconds());
          // The API server may quote what it refused: no raw error reaches the log.
          const reason = redactValues(failureReason(error), [
            ...secretValues(secrets),
            ...chartSecrets,
          ]);
          logger.warn({ reason, error: (error as Error).name, sha }, 'preview deploy failed');
          return { target, error: error as Error, reason };
        }
      }),
    );
  } finally {
    await chart;
    // The outcomes stand even if the scratch folder cannot go.
    await removeExtracted(workDir).catch((error: unknown) =>
      deps.logger.warn({ err: error, dir: workDir }, 'could not remove a chart folder'),
    );
  }
  await deployingShown;
  const reasons = await rememberFailures(deps, params, outcomes);
  if (known && sameFailure(known, reasons)) {
    deps.logger.info(
      { sha, attempts: known.attempts + 1 },
      'failed again as before; nothing new to report',
    );
    return outcomes;
  }
  await deps.comment.update((state) =>
    upsertRows(
      state,
      outcomes.map(({ target, error, note, reason }) =>
        error
          ? { ...row(target, sha, 'failed'), reason: reason ?? failureReason(error) }
          : { ...row(target, sha, 'ready'), ...(note ? { note } : {}) },
      ),
      { clearProblems: true },
    ),
  );
  recordDeployments({
    deployments: deps.deployments,
    pr: params.pr,
    sha,
    outcomes,
  });
  return outcomes;
}

/** The chart unpacked in `workDir` with the app's Secrets to copy, or why it could not be had. */
async function fetchChart(
  deps: DeployDeps,
  params: DeployParams,
  workDir: string,
): Promise<{ chartDir?: string; chartError?: Error; secrets: SecretCopy[] }> {
  try {
    const chartDir = await fetchChartInChild({
      location: await deps.chartSource.archiveLocation(params.sha),
      chartPath: params.config.chart,
      workDir,
      sha: params.sha,
      maxBytes: await archiveCapFor(workDir, deps.concurrentFetches),
    });
    const secrets = deps.secrets
      ? await deps.cluster.readSecrets(deps.secrets.namespace, deps.secrets.names)
      : [];
    return { chartDir, secrets };
  } catch (error) {
    return { chartError: error as Error, secrets: [] };
  }
}

/**
 * Remembers which tenants failed at this commit, and why, or forgets the
 * commit's failures once every tenant deployed. Returns the reasons by tenant.
 */
async function rememberFailures(
  deps: DeployDeps,
  params: DeployParams,
  outcomes: TenantOutcome[],
): Promise<Record<string, string>> {
  const reasons = Object.fromEntries(
    outcomes
      .filter((outcome) => outcome.error)
      .map((outcome) => [outcome.target.tenant ?? '', outcome.reason ?? '']),
  );
  const pr = {
    repositoryId: Number(params.targets[0]?.labels[labelKeys.repositoryId]),
    number: params.pr,
  };
  try {
    if (Object.keys(reasons).length === 0) {
      await deps.failures.clear(pr);
    } else {
      const previous = params.retry ? params.retry.known : await deps.failures.get(pr);
      await deps.failures.put(
        recordFailure({
          previous,
          pr,
          sha: params.sha,
          reasons,
          byReconciler: params.retry !== undefined,
          settings: deps.settingsFingerprint,
          now: Date.now(),
          backoff: deps.failureBackoff,
        }),
      );
    }
  } catch (error) {
    // Without the record the reconciler only retries sooner.
    deps.logger.warn({ err: error }, 'could not remember the outcome of a failed deploy');
  }
  return reasons;
}

/**
 * Targets the platform refuses, with the reason the comment shows: all of
 * them while the cluster lacks the app's admission policies, new previews
 * beyond the app's caps, and namespaces and hosts another preview holds.
 */
async function platformRefusals(
  deps: DeployDeps,
  params: DeployParams,
): Promise<Map<string, string>> {
  const missing = await deps.fences.missing();
  if (missing.length > 0) {
    const reason = `the cluster lacks the fences that keep previews apart, so nothing is deployed until the platform team installs them (the app's chart does): ${missing.join('; ')}`;
    return new Map(params.targets.map((target) => [target.namespace, reason]));
  }
  // Reserved, not only checked: two deploys at once never both get one host or the last place.
  return deps.claims.reserve(
    params.targets.map((target) => ({
      namespace: target.namespace,
      claim: {
        repositoryId: Number(target.labels[labelKeys.repositoryId]),
        repository: target.annotations[annotationKeys.repository] ?? '',
        pullRequest: params.pr,
        host: target.host,
      },
    })),
    deps.caps,
  );
}
