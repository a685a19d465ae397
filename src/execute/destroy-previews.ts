import { environmentName } from '../plan/names.ts';
import type { TenantSelection } from '../plan/types.ts';
import type { Cluster, DeploymentLog, Logger, ObservedPreview, PreviewComment } from '../ports.ts';
import { markDestroyed } from './comment-rows.ts';

export interface DestroyDeps {
  cluster: Cluster;
  comment: PreviewComment;
  deployments: DeploymentLog;
  logger: Logger;
}

/** Deletes the selected previews' namespaces, found by their labels, and waits until they are gone. */
export async function destroyPreviews(
  deps: DestroyDeps,
  params: { pr: number; selection: TenantSelection; observed: ObservedPreview[]; reason: string },
): Promise<ObservedPreview[]> {
  const { selection } = params;
  const doomed = params.observed.filter(
    (preview) => selection.all || selection.tenants.includes(preview.tenant),
  );
  if (doomed.length > 0) {
    await deps.cluster.deleteNamespaces(doomed.map((preview) => preview.namespace));
    deps.logger.info(
      { namespaces: doomed.map((p) => p.namespace), reason: params.reason },
      'previews destroyed',
    );
  }
  const environments = doomed.map((preview) => environmentName(params.pr, preview.tenant));
  await deps.deployments
    .deactivate(environments)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not mark GitHub deployments inactive'),
    );
  const tenants = selection.all ? null : selection.tenants;
  await deps.comment.update((state) => markDestroyed(state, tenants));
  return doomed;
}
