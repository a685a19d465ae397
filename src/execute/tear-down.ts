import { hookRecordName, parseHookRecord } from '../deploy/hook-record.ts';
import type { Cluster, Logger, ObservedPreview } from '../ports.ts';
import { failureReason } from './deploy/failure-text.ts';
import { runHooks } from './deploy/run-hooks.ts';

/**
 * Deletes preview namespaces as `helm uninstall` would remove a release:
 * each namespace's `pre-delete` hooks run first, from the record its last
 * deploy left, each within that deploy's `rolloutTimeout`. A failed hook is
 * reported (returned by namespace) and the namespace goes all the same:
 * a destroy always completes. A sleeping preview with such hooks gets its
 * replicas back first: the hooks run against the release as it was deployed.
 */
export async function tearDown(params: {
  cluster: Cluster;
  logger: Logger;
  previews: Pick<ObservedPreview, 'namespace' | 'terminating' | 'sleepingSince'>[];
}): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  // A namespace already terminating has nothing left to run hooks in.
  const live = params.previews.filter((preview) => !preview.terminating);
  await Promise.all(
    live.map(async ({ namespace, sleepingSince }) => {
      const logger = params.logger.child({ namespace });
      try {
        const secret = await params.cluster.readSecret(namespace, hookRecordName);
        const record = secret && parseHookRecord(secret);
        if (!record || record.hooks.length === 0) return;
        if (sleepingSince) {
          const workloads = await params.cluster.restoreReplicas(namespace);
          // Not ready in time: the hooks run all the same, and say why they fail.
          await params.cluster.waitForRollout(namespace, workloads, record.timeoutMs);
        }
        await runHooks({
          cluster: params.cluster,
          logger,
          namespace,
          step: { event: 'pre-delete', hooks: record.hooks },
          timeoutMs: record.timeoutMs,
        });
      } catch (error) {
        const reason = failureReason(error);
        logger.warn({ reason }, 'pre-delete hooks failed; the preview is destroyed all the same');
        problems.set(namespace, reason);
      }
    }),
  );
  await params.cluster.deleteNamespaces(params.previews.map((preview) => preview.namespace));
  return problems;
}
