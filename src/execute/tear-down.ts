import type { KubernetesObject } from '@kubernetes/client-node';
import { refusedContent } from '../deploy/guardrails/guardrails.ts';
import { UserFacingError } from '../errors.ts';
import type { Guardrails } from '../plan/guardrails.ts';
import { kindOf } from '../plan/object-identity.ts';
import type { Hook } from '../plan/helm-hooks.ts';
import type { Cluster, Logger, ObservedPreview, PreviewClaims, PreviewRecords } from '../ports.ts';
import { failureReason } from './deploy/failure-text.ts';
import { runHooks } from './deploy/run-hooks.ts';
import { awayFromSlot } from '../queue/keyed-queue.ts';

export interface TearDownDeps {
  cluster: Cluster;
  records: PreviewRecords;
  /** Released with the namespaces: their hosts and places under the caps are free again. */
  claims: PreviewClaims;
  guardrails: Guardrails;
  logger: Logger;
}

/**
 * Deletes preview namespaces as `helm uninstall` would remove a release:
 * each namespace's `pre-delete` hooks run first, from the record its last
 * deploy left in the app's own namespace, each within that deploy's
 * `rolloutTimeout`. A failed hook is reported (returned by namespace) and
 * the namespace goes all the same: a failed hook never keeps a preview. A
 * namespace that cannot be deleted is the caller's error to report. A sleeping
 * preview with such hooks gets its replicas back first: the hooks run
 * against the release as it was deployed. The records go with the namespace.
 */
export async function tearDown(
  deps: TearDownDeps,
  previews: Pick<ObservedPreview, 'namespace' | 'terminating' | 'sleepingSince' | 'host'>[],
): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  // A namespace already terminating has nothing left to run hooks in.
  const live = previews.filter((preview) => !preview.terminating);
  await Promise.all(
    live.map(async ({ namespace, sleepingSince, host }) => {
      const logger = deps.logger.child({ namespace });
      try {
        const record = await deps.records.hooks(namespace);
        if (!record || record.hooks.length === 0) return;
        const hooks = checkedAgain(record.hooks, { namespace, host: host ?? '', deps });
        if (sleepingSince) {
          const workloads = await deps.cluster.restoreReplicas(namespace);
          // Not ready in time: the hooks run all the same, and say why they fail.
          await awayFromSlot(() =>
            deps.cluster.waitForRollout(namespace, workloads, record.timeoutMs),
          );
        }
        await runHooks({
          cluster: deps.cluster,
          logger,
          namespace,
          step: { event: 'pre-delete', hooks },
          timeoutMs: record.timeoutMs,
        });
      } catch (error) {
        const reason = failureReason(error);
        logger.warn({ reason }, 'pre-delete hooks failed; the preview is destroyed all the same');
        problems.set(namespace, reason);
      }
    }),
  );
  const names = previews.map((preview) => preview.namespace);
  await deps.cluster.deleteNamespaces(names);
  await Promise.all(names.map((name) => deps.records.forget(name)));
  await deps.claims.release(names);
  return problems;
}

/**
 * A record is applied only after the checks a deploy makes, again: into the
 * preview's own namespace, of an allowed kind, within the fences.
 */
function checkedAgain(
  hooks: Hook[],
  params: { namespace: string; host: string; deps: TearDownDeps },
): Hook[] {
  const placed = hooks.map((hook) => ({
    ...hook,
    object: {
      ...hook.object,
      metadata: { ...hook.object.metadata, namespace: params.namespace },
    } as KubernetesObject,
  }));
  const { guardrails } = params.deps;
  const refusals = [
    ...placed
      .filter((hook) => !guardrails.allowedKinds.includes(kindOf(hook.object)))
      .map((hook) => `${kindOf(hook.object)} is not on the app's list of allowed kinds`),
    ...refusedContent({
      objects: placed.map((hook) => hook.object),
      namespace: params.namespace,
      host: params.host,
      guardrails,
    }),
  ];
  if (refusals.length > 0) {
    throw new UserFacingError(
      `the recorded pre-delete hooks no longer pass the app's checks; none was run:\n${refusals.map((r) => `- ${r}`).join('\n')}`,
    );
  }
  return placed;
}
