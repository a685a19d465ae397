import type { KubernetesObject } from '@kubernetes/client-node';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreviewConfig } from '../config/resolve-config.ts';
import { refusalError, refusedObjects, type Guardrails } from '../deploy/guardrails.ts';
import { removeExtracted } from '../deploy/chart-archive.ts';
import { objectsToApply } from '../deploy/objects-to-apply.ts';
import { valuesFilesFor } from '../deploy/values-files.ts';
import { overCap, type NamespacePolicy, type PreviewCaps } from '../deploy/namespace-policies.ts';
import { labelKeys } from '../plan/labels.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import { parseManifests, refOf, refsToPrune } from '../deploy/prepare-objects.ts';
import { redact, redactValues, trimMessage } from '../deploy/redact.ts';
import { messageOf, UserFacingError } from '../errors.ts';
import { environmentName } from '../plan/names.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type {
  ChartRenderer,
  ChartSource,
  Cluster,
  CommentRow,
  DeploymentLog,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewComment,
  SecretCopy,
  SmokeProbe,
} from '../ports.ts';
import { upsertRows } from './comment-rows.ts';

export interface DeployDeps {
  cluster: Cluster;
  chartSource: ChartSource;
  renderer: ChartRenderer;
  comment: PreviewComment;
  deployments: DeploymentLog;
  /** Absent when the app has no ingress address to send smoke checks to. */
  smoke?: SmokeProbe;
  metrics: Metrics;
  guardrails: Guardrails;
  namespacePolicy: NamespacePolicy;
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

/** A preview that was applied but did not come up, or did not answer its smoke check. */
class NotServingError extends UserFacingError {
  override name = 'NotServingError';
}

/**
 * Deploys every target at one commit. The chart is fetched once for all
 * tenants; each tenant is rendered, checked by a server-side dry run and only
 * then applied, so a tenant that fails leaves nothing half-applied. Then the
 * rollout is awaited and, when configured, a smoke check is sent.
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
  const refusedByCap = await capsRefusals(deps, params);
  let secrets: SecretCopy[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'pr-preview-chart-'));
  let outcomes: TenantOutcome[];
  try {
    let chartDir: string | undefined;
    let chartError: Error | undefined;
    try {
      chartDir = await deps.chartSource.fetchChart({
        sha,
        chartPath: params.config.chart,
        dest: workDir,
      });
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
          const overCapReason = refusedByCap.get(target.namespace);
          if (overCapReason) throw new UserFacingError(overCapReason);
          const previous = params.observed.find((p) => p.namespace === target.namespace);
          const note = await deployTenant({
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
          logger.info({ sha }, 'preview deployed');
          return { target, ...(note ? { note } : {}) };
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
  await recordDeployments(deps, params, outcomes);
  return outcomes;
}

/**
 * GitHub Deployments follow the comment, each one write to create and one to
 * finish it: GitHub paces an app's writes about a second apart, and the
 * comment is what people wait for.
 */
async function recordDeployments(
  deps: DeployDeps,
  params: DeployParams,
  outcomes: TenantOutcome[],
): Promise<void> {
  for (const { target, error, note, reason } of outcomes) {
    try {
      const id = await deps.deployments.start({
        environment: environmentName(params.pr, target.tenant),
        sha: params.sha,
        url: target.url,
      });
      await deps.deployments.update(
        id,
        error ? 'failure' : 'success',
        error
          ? { description: firstLine(reason ?? failureReason(error)) }
          : { url: target.url, ...(note ? { description: note } : {}) },
      );
    } catch (error) {
      deps.logger.warn(
        { err: error, tenant: target.tenant },
        'could not record a GitHub deployment',
      );
    }
  }
}

/**
 * Renders, applies and watches one tenant. The namespace carries a deploying
 * mark from the first write until the deploy is recorded at its very end, so a
 * crash at any point leaves a mark that the reconciler finishes from.
 */
async function deployTenant(params: {
  deps: DeployDeps;
  logger: Logger;
  target: PreviewTarget;
  /** Filled with the values of the chart's own Secrets, to keep them out of failure text. */
  chartSecrets: string[];
  sha: string;
  chartDir: string;
  config: PreviewConfig;
  previous: ObservedPreview | undefined;
  secrets: SecretCopy[];
}): Promise<string | undefined> {
  const { deps, target, config, previous } = params;
  const rendered = await deps.renderer.render({
    chartDir: params.chartDir,
    releaseName: target.releaseName,
    namespace: target.namespace,
    valuesFiles: valuesFilesFor(params.chartDir, config, target.tenant),
    values: target.values,
  });
  const chartObjects = parseManifests(rendered);
  params.chartSecrets.push(...secretValuesIn(chartObjects));
  await refuseWhatGuardrailsForbid(deps, chartObjects, target.namespace);
  const objects = objectsToApply({
    chartObjects,
    target,
    config,
    namespacePolicy: deps.namespacePolicy,
    secrets: params.secrets,
  });
  const { created, origin } = await deps.cluster.ensureNamespace(target);
  try {
    await deps.cluster.apply(objects, { dryRun: true });
  } catch (error) {
    // Refused before anything changed: a new namespace goes, an older
    // preview keeps its last good commit and stops showing a deploy under way.
    if (created) await removeNamespace(deps, params.logger, target);
    else if (previous?.sha) {
      await deps.cluster.recordDeployed(target, {
        sha: previous.sha,
        inventory: previous.inventory,
        origin,
        ...(previous.expiresAt ? { expiresAt: previous.expiresAt } : {}),
      });
    }
    throw error;
  }
  try {
    await deps.cluster.apply(objects, { dryRun: false });
  } catch (error) {
    // Half-applied: a new namespace goes whole; an older one keeps its
    // deploying mark, so the reconciler tries again.
    if (created) await removeNamespace(deps, params.logger, target);
    throw error;
  }
  const inventory = objects.map(refOf);
  await deps.cluster.deleteObjects(
    target.namespace,
    refsToPrune(previous?.inventory ?? [], inventory),
  );
  const record = {
    sha: params.sha,
    inventory,
    origin,
    ...(config.ttlMs ? { expiresAt: new Date(Date.now() + config.ttlMs).toISOString() } : {}),
  };
  try {
    return await checkServing({ deps, target, config });
  } finally {
    // Applied objects are recorded even when they do not come up, for pruning.
    await deps.cluster.recordDeployed(target, record);
  }
}

/** New previews beyond the app's caps, with the reason the comment shows. */
async function capsRefusals(deps: DeployDeps, params: DeployParams): Promise<Map<string, string>> {
  const existing = new Set(params.observed.map((p) => p.namespace));
  const newNamespaces = params.targets.map((t) => t.namespace).filter((n) => !existing.has(n));
  if (newNamespaces.length === 0) return new Map();
  const all = (await deps.cluster.listPreviews(allPreviewsSelector)).filter((p) => !p.terminating);
  const repositoryId = Number(params.targets[0]?.labels[labelKeys.repositoryId]);
  const { refused } = overCap({
    newNamespaces,
    existingInRepository: all.filter((p) => p.repositoryId === repositoryId).length,
    existingTotal: all.length,
    caps: deps.caps,
  });
  return new Map(refused.map((r) => [r.namespace, r.reason]));
}

/** Refuses the whole render, naming every forbidden object, before anything is applied. */
async function refuseWhatGuardrailsForbid(
  deps: DeployDeps,
  objects: KubernetesObject[],
  namespace: string,
): Promise<void> {
  const scopes = new Map<string, boolean | undefined>();
  for (const object of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    if (!scopes.has(key)) {
      scopes.set(
        key,
        await deps.cluster.isNamespaced(object.apiVersion as string, object.kind as string),
      );
    }
  }
  const refusals = refusedObjects({
    objects,
    namespace,
    guardrails: deps.guardrails,
    namespaced: (object) => scopes.get(`${object.apiVersion}/${object.kind}`),
  });
  if (refusals.length > 0) throw refusalError(refusals);
}

async function removeNamespace(
  deps: DeployDeps,
  logger: Logger,
  target: PreviewTarget,
): Promise<void> {
  logger.info('removing the new namespace of a failed deploy');
  await deps.cluster
    .deleteNamespaces([target.namespace])
    .catch((cleanupError: unknown) =>
      logger.error({ err: cleanupError }, 'could not remove the namespace of a failed deploy'),
    );
}

/** Waits for the rollout, then sends the smoke check; returns a note for the comment. */
async function checkServing(params: {
  deps: DeployDeps;
  target: PreviewTarget;
  config: PreviewConfig;
}): Promise<string | undefined> {
  const { deps, target, config } = params;
  const rollout = await deps.cluster.waitForRollout(target.namespace, config.rolloutTimeoutMs);
  if (!rollout.ready) throw new NotServingError(`rollout failed: ${rollout.reasons.join('\n')}`);
  if (!config.smoke || !deps.smoke) return undefined;
  const answer = await deps.smoke.probe(target.host, config.smoke.path);
  const request = `GET ${config.smoke.path}`;
  if ('error' in answer)
    throw new NotServingError(`smoke check ${request} failed: ${answer.error}`);
  if (answer.status >= 400)
    throw new NotServingError(`smoke check ${request} answered ${answer.status}`);
  return `${request} → ${answer.status}`;
}

export function row(target: PreviewTarget, sha: string, status: CommentRow['status']): CommentRow {
  return { tenant: target.tenant, url: target.url, status, sha };
}

export function failureReason(error: unknown): string {
  if (error instanceof UserFacingError) return trimMessage(redact(error.message));
  return trimMessage(redact(`internal error: ${messageOf(error)}`), 500);
}

/** Values of Secrets in a render, base64 as `redactValues` takes them. */
function secretValuesIn(objects: KubernetesObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Secret' && object.apiVersion === 'v1')
    .flatMap((object) => {
      const secret = object as {
        data?: Record<string, unknown>;
        stringData?: Record<string, unknown>;
      };
      return [
        ...Object.values(secret.data ?? {}).map(String),
        ...Object.values(secret.stringData ?? {}).map((v) =>
          Buffer.from(String(v)).toString('base64'),
        ),
      ];
    });
}

function secretValues(secrets: SecretCopy[]): string[] {
  return secrets.flatMap((secret) => Object.values(secret.data));
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
