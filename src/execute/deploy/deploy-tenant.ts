import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../../plan/preview-config.ts';
import { refusalError } from '../../deploy/guardrails/guardrails.ts';
import { podSecurityRefusals } from '../../deploy/pod-security.ts';
import {
  namespaceReader as namespaceReaderObjects,
  type NamespacePolicy,
} from '../../deploy/namespace-policies.ts';
import type { Guardrails } from '../../plan/guardrails.ts';
import { inventoryRef, refsToPrune } from '../../plan/prune.ts';
import { releaseAction } from '../../plan/helm-hooks.ts';
import { sleepAfterMs, type SleepPolicy } from '../../plan/sleep.ts';
import type { PreviewTarget } from '../../plan/types.ts';
import type {
  ApplyResult,
  ChartRenderer,
  Cluster,
  ClusterDiscovery,
  DeployRecord,
  Logger,
  Metrics,
  ObservedPreview,
  PreviewClaims,
  PreviewRecords,
  SecretCopy,
  SmokeProbe,
} from '../../ports.ts';
import type { Release } from '../../deploy/check-release.ts';
import { awaitRollout, smokeCheck } from './check-serving.ts';
import { renderRelease } from '../../deploy/render-chart.ts';
import { runHooks } from './run-hooks.ts';
import { logReplaced } from './replaced-objects.ts';
import { fenceNamespace, releaseClaim, removeNamespace } from './tenant-namespace.ts';

export interface TenantDeps {
  cluster: Cluster;
  discovery: ClusterDiscovery;
  renderer: ChartRenderer;
  /** Renders (helm's output, up to 20 MiB, and its parse) run a few at a time: memory stays bounded. */
  renderSlots: <T>(work: () => Promise<T>) => Promise<T>;
  /** Absent when the app has no ingress address to send smoke checks to. */
  smoke?: SmokeProbe;
  guardrails: Guardrails;
  namespacePolicy: NamespacePolicy;
  /** The operator's bounds on how long a preview idles before it sleeps. */
  sleepPolicy: SleepPolicy;
  /** Where the `pre-delete` hooks are kept for the destroy, out of the preview's reach. */
  records: PreviewRecords;
  /** What a new namespace claimed is given back when its first deploy removes it. */
  claims: PreviewClaims;
  metrics: Metrics;
}

export interface TenantDeploy {
  deps: TenantDeps;
  logger: Logger;
  target: PreviewTarget;
  sha: string;
  chartDir: string;
  config: PreviewConfig;
  /** The tenant's namespace as the cluster showed it before this deploy. */
  previous: ObservedPreview | undefined;
  /** The app's Secrets copied into every preview. */
  secrets: SecretCopy[];
  /** Receives the values of the chart's own Secrets once known, to keep them out of failure text. */
  chartSecrets: string[];
}

/**
 * One tenant's deploy, phase by phase, as `helm upgrade --install` runs it:
 * render, check, pre-hooks, apply, rollout, post-hooks, then the record. The
 * namespace and the app's fences need nothing of the chart: they are written
 * while it renders, so they stand before anything of the chart runs there,
 * its pre-install hooks included. The namespace carries a deploying mark from
 * its first write until the record, so a crash at any point leaves a mark
 * that the reconciler finishes from. Returns the notes the comment shows.
 */
export async function deployTenant(params: TenantDeploy): Promise<string[]> {
  const { deps, target, config, previous, logger } = params;
  const rendering = renderAndCheck(params);
  // Awaited below, after the namespace's writes: handled now.
  rendering.catch(() => undefined);
  const { created, origin } = await fenceNamespace(params).catch(async (error: unknown) => {
    // A chart that cannot be deployed says so first, as when nothing was written.
    const refusal = await rendering.then(
      () => undefined,
      (renderError: unknown) => renderError,
    );
    if (refusal === undefined) throw error;
    if (!previous) await releaseClaim(deps, logger, target);
    throw refusal;
  });
  // Refused before anything of the release changed: a new namespace goes, an
  // older preview keeps its last good commit and stops showing a deploy under way.
  const giveUp = async () => {
    if (created) await removeNamespace(deps, logger, target);
    else if (previous?.sha) {
      await deps.cluster.recordDeployed(target, {
        sha: previous.sha,
        inventory: previous.inventory,
        origin,
        ...(previous.expiresAt ? { expiresAt: previous.expiresAt } : {}),
        ...lifetime(params),
      });
    }
  };
  let release: Release;
  try {
    release = await rendering;
    params.chartSecrets.push(...release.secretValues);
    // The Pod Security judgment asks a namespace of the app's own, not the preview's.
    const judged = deps.cluster.podSecurityWarnings(
      [...release.objects, ...hookObjects(release)],
      deps.namespacePolicy.podSecurity,
    );
    judged.catch(() => undefined);
    await dryRun(deps, logger, release, { created, judged });
    // A push wakes a sleeping preview first: its pre-hooks may need its database.
    if (previous?.sleepingSince) await wakeForDeploy(params);
    await runHooks({ ...hookParams(params), step: release.hooks.pre });
  } catch (error) {
    await giveUp();
    throw error;
  }

  try {
    // The chart's objects as helm creates them.
    logReplaced(logger, await deps.cluster.apply(release.chartObjects, { dryRun: false }), false);
  } catch (error) {
    // Half-applied: a new namespace goes whole; an older one keeps its
    // deploying mark, so the reconciler tries again.
    if (created) await removeNamespace(deps, logger, target);
    throw error;
  }
  // Written while the release rolls out; every way out of the deploy waits for it, so no job
  // of this pull request after this one finds it half-written.
  const hooksKept = deps.records.putHooks(target.namespace, release.preDeleteRecord);
  const kept = hooksKept.then(
    () => true,
    () => false,
  );
  const inventory = release.objects.map(inventoryRef);
  await deps.cluster
    .deleteObjects(target.namespace, refsToPrune(previous?.inventory ?? [], inventory))
    .catch(async (error: unknown) => {
      await kept;
      throw error;
    });

  try {
    await awaitRollout({
      cluster: deps.cluster,
      namespace: target.namespace,
      objects: release.objects,
      timeoutMs: config.rolloutTimeoutMs,
    });
    // Not kept: nothing after it runs, and the deploying mark stays for the reconciler.
    await hooksKept;
    await runHooks({ ...hookParams(params), step: release.hooks.post });
    const answer = await smokeCheck({ smoke: deps.smoke, target, config });
    return [...release.notes, ...(answer ? [answer] : [])];
  } finally {
    // Applied objects are recorded even when they do not come up, for pruning; not
    // without their pre-delete hooks' record, which the destroy runs from.
    if (await kept) {
      await deps.cluster.recordDeployed(target, {
        sha: params.sha,
        inventory,
        origin,
        ...(config.ttlMs ? { expiresAt: new Date(Date.now() + config.ttlMs).toISOString() } : {}),
        ...lifetime(params),
      });
    }
  }
}

/** How long the preview may idle before it sleeps, and how long a wake may take to come up. */
function lifetime(
  params: TenantDeploy,
): Pick<DeployRecord, 'rolloutTimeoutMs'> & Partial<Pick<DeployRecord, 'sleepAfterMs'>> {
  const sleepAfter = sleepAfterMs(params.config.sleepAfter, params.deps.sleepPolicy);
  return {
    rolloutTimeoutMs: params.config.rolloutTimeoutMs,
    ...(sleepAfter !== undefined ? { sleepAfterMs: sleepAfter } : {}),
  };
}

/** Replicas and routes as they were before sleep; the deploy's rollout then waits for them. */
async function wakeForDeploy(params: TenantDeploy): Promise<void> {
  const { deps, target, logger } = params;
  await deps.cluster.restoreReplicas(target.namespace);
  await deps.cluster.restoreRoutesAndMarkAwake(target.namespace, new Date().toISOString());
  deps.metrics.woke('push');
  logger.info('woken by a deploy');
}

/**
 * Renders for the cluster as it is, and checks. A later deploy renders with
 * the namespace's own reader, so a chart's `lookup` finds what it generated
 * before. Facts are asked again when the render names a kind they lack.
 */
async function renderAndCheck(params: TenantDeploy): Promise<Release> {
  const { deps, target, previous } = params;
  const action = releaseAction(previous);
  const facts = await deps.discovery.facts();
  const lookup =
    action === 'upgrade'
      ? await namespaceReader(deps.cluster, target, deps.namespacePolicy.readerRole)
      : undefined;
  return deps.renderSlots(() =>
    renderRelease({
      renderer: deps.renderer,
      chartDir: params.chartDir,
      config: params.config,
      target,
      facts,
      refreshFacts: () => deps.discovery.facts({ refresh: true }),
      action,
      ...(lookup ? { lookup } : {}),
      guardrails: deps.guardrails,
      namespacePolicy: deps.namespacePolicy,
      secrets: params.secrets,
    }),
  );
}

/**
 * The namespace's reader, for `lookup`. A preview deployed before readers
 * existed gets its reader first: an upgrade rendered without `lookup` would
 * regenerate every password a chart keeps.
 */
async function namespaceReader(cluster: Cluster, target: PreviewTarget, readerRole: string) {
  const reader = await cluster.namespaceReader(target.namespace);
  if (reader) return reader;
  await cluster.apply(namespaceReaderObjects(target, readerRole), { dryRun: false });
  return cluster.namespaceReader(target.namespace);
}

/**
 * Asks the API server about everything the deploy will create, changing
 * nothing: the chart's objects as they will be applied, and every hook as it
 * will be created, afresh. A workload whose pod template breaks the Pod
 * Security level of previews is admitted with a warning only, and its pods
 * would then fail one by one: such templates refuse the deploy here, naming
 * each object. The app's own objects need no asking. Nor does the release of
 * a new namespace without pre-install hooks: nothing runs before its apply,
 * whose refusal removes the namespace whole, so the dry run would only double
 * the API server's work (a burst of first deploys is mostly that).
 */
async function dryRun(
  deps: TenantDeps,
  logger: Logger,
  release: Release,
  { created, judged }: { created: boolean; judged: Promise<ApplyResult['warnings']> },
): Promise<void> {
  const asked = created && release.hooks.pre.hooks.length === 0 ? [] : release.chartObjects;
  const main = await deps.cluster.apply(asked, { dryRun: true });
  logReplaced(logger, main, true);
  const fresh = await deps.cluster.apply(hookObjects(release), { dryRun: true, asNew: true });
  const refusals = podSecurityRefusals(await judged, deps.namespacePolicy.podSecurity);
  if (refusals.length > 0) throw refusalError(refusals);
  // What the namespace warns about beyond its level (restricted), for the platform team.
  for (const { ref, messages } of [...main.warnings, ...fresh.warnings]) {
    logger.info({ object: `${ref.kind} ${ref.name}`, warnings: messages }, 'the API server warned');
  }
}

/** Every hook object of the release, each once, whichever events it runs at. */
function hookObjects(release: Release): KubernetesObject[] {
  const { pre, post, preDelete } = release.hooks;
  return [...new Set([...pre.hooks, ...post.hooks, ...preDelete.hooks])].map((hook) => hook.object);
}

function hookParams(params: TenantDeploy) {
  return {
    cluster: params.deps.cluster,
    logger: params.logger,
    namespace: params.target.namespace,
    timeoutMs: params.config.rolloutTimeoutMs,
  };
}
