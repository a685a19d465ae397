import type { Cluster, Logger, PreviewClaims, SecretCopy } from '../../ports.ts';
import type { PreviewOrigin } from '../../plan/labels.ts';
import type { PreviewTarget } from '../../plan/types.ts';
import { fencesFor } from '../../deploy/check-release.ts';
import { logReplaced } from './replaced-objects.ts';
import type { NamespacePolicy } from '../../deploy/namespace-policies.ts';

interface NamespaceDeps {
  cluster: Cluster;
  /** What a new namespace claimed is given back when its first deploy removes it. */
  claims: PreviewClaims;
  namespacePolicy: NamespacePolicy;
}

/*
 * A tenant's namespace as a deploy makes it and, when the deploy fails
 * before the preview came to be, takes it back.
 */

/**
 * The namespace with its deploying mark, then the app's fences at once (none
 * needs another). Fences refused: a new namespace goes whole.
 */
export async function fenceNamespace(params: {
  deps: NamespaceDeps;
  logger: Logger;
  target: PreviewTarget;
  /** The app's Secrets copied into every preview. */
  secrets: SecretCopy[];
}): Promise<{ created: boolean; origin: PreviewOrigin }> {
  const { deps, target, logger } = params;
  const namespace = await deps.cluster.ensureNamespace(target);
  try {
    const fences = fencesFor(target, deps.namespacePolicy, params.secrets);
    logReplaced(logger, await deps.cluster.apply(fences, { dryRun: false, atOnce: true }), false);
  } catch (error) {
    if (namespace.created) await removeNamespace(deps, logger, target);
    throw error;
  }
  return namespace;
}

/** A new namespace whose first deploy failed goes whole, and its claim with it. */
export async function removeNamespace(
  deps: Pick<NamespaceDeps, 'cluster' | 'claims'>,
  logger: Logger,
  target: PreviewTarget,
): Promise<void> {
  logger.info('removing the new namespace of a failed deploy');
  await deps.cluster
    .deleteNamespaces([target.namespace])
    .then(() => releaseClaim(deps, logger, target))
    .catch((cleanupError: unknown) =>
      logger.error({ err: cleanupError }, 'could not remove the namespace of a failed deploy'),
    );
}

/**
 * Gives back the namespace, host and place under the caps of a preview that
 * never came to be; if that fails, the reconciler lets the claim go later.
 */
export async function releaseClaim(
  deps: Pick<NamespaceDeps, 'claims'>,
  logger: Logger,
  target: PreviewTarget,
): Promise<void> {
  await deps.claims
    .release([target.namespace])
    .catch((error: unknown) =>
      logger.warn({ err: error }, 'could not give back the claim of a preview never made'),
    );
}
