import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreviewConfig } from '../../config/resolve-config.ts';
import { extractChart, removeExtracted } from '../../deploy/chart-archive.ts';
import { overCap, type PreviewCaps } from '../../deploy/namespace-policies.ts';
import { redactValues } from '../../deploy/redact.ts';
import { UserFacingError } from '../../errors.ts';
import { labelKeys } from '../../plan/labels.ts';
import { hostsTaken } from '../../plan/host-claims.ts';
import { allPreviewsSelector } from '../../plan/targets.ts';
import type { PreviewTarget } from '../../plan/types.ts';
import type {
  ChartSource,
  DeploymentLog,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewComment,
  SecretCopy,
} from '../../ports.ts';
import { row, upsertRows } from '../comment-rows.ts';
import { deployTenant, type TenantDeps } from './deploy-tenant.ts';
import { failureReason, secretValues } from './failure-text.ts';
import { recordDeployments } from './record-deployments.ts';

export interface DeployDeps extends TenantDeps {
  chartSource: ChartSource;
  comment: PreviewComment;
  deployments: DeploymentLog;
  metrics: Metrics;
  caps: PreviewCaps;
  secrets?: { namespace: string; names: string[] };
  logger: Logger;
}

export interface DeployParams {
  pr: number;
  sha: string;
  targets: PreviewTarget[];
  config: PreviewConfig;
  observed: ObservedPreview[];
}

export interface TenantOutcome {
  target: PreviewTarget;
  error?: Error;
  /** What the comment says of the error, redacted. */
  reason?: string;
  note?: string;
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
  // GitHub paces writes: the work starts without waiting for "deploying" to show.
  const deployingShown = deps.comment
    .update((state) =>
      upsertRows(
        state,
        targets.map((target) => row(target, sha, 'deploying')),
      ),
    )
    .catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not show the deploy on the comment'),
    );
  const refusedByPlatform = await platformRefusals(deps, params);
  let secrets: SecretCopy[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'pr-preview-chart-'));
  let outcomes: TenantOutcome[];
  try {
    let chartDir: string | undefined;
    let chartError: Error | undefined;
    try {
      const archive = await deps.chartSource.downloadArchive(sha);
      chartDir = await extractChart({ archive, chartPath: params.config.chart, dest: workDir });
      if (deps.secrets) {
        secrets = await deps.cluster.readSecrets(deps.secrets.namespace, deps.secrets.names);
      }
    } catch (error) {
      chartError = error as Error;
    }
    outcomes = await Promise.all(
      targets.map(async (target): Promise<TenantOutcome> => {
        const logger = deps.logger.child({ tenant: target.tenant, namespace: target.namespace });
        const started = Date.now();
        const seconds = () => (Date.now() - started) / 1000;
        const chartSecrets: string[] = [];
        try {
          if (chartError) throw chartError;
          const refusal = refusedByPlatform.get(target.namespace);
          if (refusal) throw new UserFacingError(refusal);
          const notes = await deployTenant({
            deps,
            logger,
            target,
            chartSecrets,
            sha,
            chartDir: chartDir as string,
            config: params.config,
            previous: params.observed.find((p) => p.namespace === target.namespace),
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
    // The outcomes stand even if the scratch folder cannot go.
    await removeExtracted(workDir).catch((error: unknown) =>
      deps.logger.warn({ err: error, dir: workDir }, 'could not remove a chart folder'),
    );
  }
  await deployingShown;
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
  await recordDeployments({
    deployments: deps.deployments,
    logger: deps.logger,
    pr: params.pr,
    sha,
    outcomes,
  });
  return outcomes;
}

/**
 * Targets the platform refuses, with the reason the comment shows: new
 * previews beyond the app's caps, and hosts another preview already serves.
 */
async function platformRefusals(
  deps: DeployDeps,
  params: DeployParams,
): Promise<Map<string, string>> {
  const all = (await deps.cluster.listPreviews(allPreviewsSelector)).filter((p) => !p.terminating);
  const existing = new Set(params.observed.map((p) => p.namespace));
  const newNamespaces = params.targets.map((t) => t.namespace).filter((n) => !existing.has(n));
  const repositoryId = Number(params.targets[0]?.labels[labelKeys.repositoryId]);
  const { refused } = overCap({
    newNamespaces,
    existingInRepository: all.filter((p) => p.repositoryId === repositoryId).length,
    existingTotal: all.length,
    caps: deps.caps,
  });
  return new Map([
    ...refused.map((r) => [r.namespace, r.reason] as const),
    ...hostsTaken(params.targets, all),
  ]);
}
