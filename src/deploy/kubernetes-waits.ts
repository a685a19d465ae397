import {
  type AppsV1Api,
  type BatchV1Api,
  type CoreV1Api,
  type Watch,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectRef, RolloutResult } from '../ports.ts';
import { diagnoseRollout } from './diagnose-rollout.ts';
import { withRetry } from './retry.ts';
import { growingPauses } from './poll-until.ts';
import { ChangeWatch } from './kubernetes-changes.ts';
import { isNotFound } from './api-status.ts';
import {
  deploymentReady,
  eventTime,
  jobComplete,
  jobFailure,
  jobState,
  podState,
  statefulSetReady,
  type CompletionState,
} from './workload-readiness.ts';

export interface WaitClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  /** Says when to look again; without it, waits only look at their pauses. */
  watch?: Watch;
}

/**
 * How often a rollout or a hook is looked at while nothing says it changed:
 * soon after it starts (on a small cluster a Deployment is ready within a
 * second; `helm --wait` looks every 2 s), then every half second; while its
 * changes are watched, only for what no watch shows (pods refused, the
 * deadline), so less often.
 */
const pauses = (changes: ChangeWatch | undefined) => {
  const unwatched = growingPauses(100, 500, 2);
  const watched = growingPauses(500, 2_000, 2);
  return () => (changes?.watching ? watched() : unwatched());
};

/**
 * Waits until the named Deployments, StatefulSets and Jobs are ready, as
 * `kubectl rollout status` judges them. Only the release's own objects count:
 * a hook Job left from an earlier deploy is not part of the rollout.
 */
export async function waitForRollout(
  clients: WaitClients,
  params: { namespace: string; refs: ObjectRef[]; timeoutMs: number },
): Promise<RolloutResult> {
  const { namespace, timeoutMs } = params;
  const named = (kind: string, group: string) =>
    new Set(
      params.refs
        .filter((ref) => ref.kind === kind && ref.apiVersion.startsWith(group))
        .map((ref) => ref.name),
    );
  const wanted = {
    deployments: named('Deployment', 'apps/'),
    statefulSets: named('StatefulSet', 'apps/'),
    jobs: named('Job', 'batch/'),
  };
  const ours = <T extends { metadata?: { name?: string } }>(items: T[], names: Set<string>) =>
    items.filter((item) => names.has(item.metadata?.name ?? ''));
  const started = Date.now();
  const deadline = started + timeoutMs;
  const changes = clients.watch ? new ChangeWatch(clients.watch) : undefined;
  const pause = pauses(changes);
  const collections = {
    deployments: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    statefulSets: `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
    jobs: `/apis/batch/v1/namespaces/${namespace}/jobs`,
  };
  // Only the kinds the release has are asked for: in a burst, every list counts.
  const none = { items: [], metadata: undefined };
  let changed = false;
  let refusedLookedAt = 0;
  try {
    for (;;) {
      const lists = await withRetry(() =>
        Promise.all([
          wanted.deployments.size > 0 ? clients.apps.listNamespacedDeployment({ namespace }) : none,
          wanted.statefulSets.size > 0
            ? clients.apps.listNamespacedStatefulSet({ namespace })
            : none,
          wanted.jobs.size > 0 ? clients.batch.listNamespacedJob({ namespace }) : none,
        ]),
      );
      const [deployments, statefulSets, jobs] = lists;
      const ourJobs = ours(jobs.items, wanted.jobs);
      const waiting = [
        ...ours(deployments.items, wanted.deployments)
          .filter((d) => !deploymentReady(d))
          .map((d) => `Deployment ${d.metadata?.name}`),
        ...ours(statefulSets.items, wanted.statefulSets)
          .filter((s) => !statefulSetReady(s))
          .map((s) => `StatefulSet ${s.metadata?.name}`),
        ...ourJobs.filter((j) => !jobComplete(j)).map((j) => `Job ${j.metadata?.name}`),
      ];
      if (waiting.length === 0) return { ready: true };
      // Still waiting: pods that Pod Security refused will never come. Their
      // events change no watched object: looked for at the pauses, and at
      // least every second while changes keep coming.
      const lookForRefused = !changed || Date.now() - refusedLookedAt >= 1_000;
      if (lookForRefused) refusedLookedAt = Date.now();
      const refusedPods = lookForRefused
        ? await podsRefused(clients, { namespace, since: started })
        : [];
      const failedJob = refusedPods[0] ?? ourJobs.map(jobFailure).find(Boolean);
      if (failedJob || Date.now() >= deadline) {
        const headline =
          failedJob ?? `${waiting.join(', ')} not ready after ${Math.round(timeoutMs / 1000)} s`;
        return { ready: false, reasons: [headline, ...(await diagnose(clients, namespace))] };
      }
      await changes?.follow(
        (['deployments', 'statefulSets', 'jobs'] as const)
          .map((kind, i) => ({ kind, list: lists[i] }))
          .filter(({ kind }) => wanted[kind].size > 0)
          .map(({ kind, list }) => ({
            path: collections[kind],
            resourceVersion: list?.metadata?.resourceVersion,
          })),
      );
      changed = changes ? await changes.next(pause()) : (await sleep(pause()), false);
    }
  } finally {
    await changes?.stop();
  }
}

/**
 * Waits until a Job completes or a Pod succeeds, as helm waits for a hook;
 * says why when it fails or does not finish in time.
 */
export async function waitForCompletion(
  clients: WaitClients,
  params: { namespace: string; ref: ObjectRef; timeoutMs: number },
): Promise<RolloutResult> {
  const { namespace, ref, timeoutMs } = params;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const changes = clients.watch ? new ChangeWatch(clients.watch) : undefined;
  const pause = pauses(changes);
  const isJob = ref.kind === 'Job';
  const watched = {
    path: isJob
      ? `/apis/batch/v1/namespaces/${namespace}/jobs`
      : `/api/v1/namespaces/${namespace}/pods`,
    fieldSelector: `metadata.name=${ref.name}`,
  };
  let changed = false;
  let refusedLookedAt = 0;
  try {
    for (;;) {
      let state: CompletionState;
      let resourceVersion: string | undefined;
      // As for a rollout: refusals are looked for at the pauses, and at least every second.
      const lookForRefused = isJob && (!changed || Date.now() - refusedLookedAt >= 1_000);
      if (lookForRefused) refusedLookedAt = Date.now();
      const [refused] = lookForRefused
        ? await podsRefused(clients, { namespace, since: started, owner: ref.name })
        : [];
      if (refused) {
        state = { done: false, failure: refused };
      } else if (isJob) {
        const job = await readOrMissing(() =>
          clients.batch.readNamespacedJob({ name: ref.name, namespace }),
        );
        resourceVersion = job?.metadata?.resourceVersion;
        // A Job with ttlSecondsAfterFinished: 0 may be gone before a poll saw it complete.
        state =
          job || !(await completedSince(clients, { namespace, name: ref.name, since: started }))
            ? jobState(job)
            : { done: true };
      } else {
        const pod = await readOrMissing(() =>
          clients.core.readNamespacedPod({ name: ref.name, namespace }),
        );
        resourceVersion = pod?.metadata?.resourceVersion;
        state = podState(pod);
      }
      if (state.done) return { ready: true };
      if (state.failure || Date.now() >= deadline) {
        const headline = state.failure ?? `not complete after ${Math.round(timeoutMs / 1000)} s`;
        const selector = isJob ? `job-name=${ref.name}` : undefined;
        const details = await diagnose(clients, namespace, {
          ...(selector ? { selector } : { pod: ref.name }),
        });
        return { ready: false, reasons: [headline, ...details] };
      }
      await changes?.follow([{ ...watched, resourceVersion }]);
      changed = changes ? await changes.next(pause()) : (await sleep(pause()), false);
    }
  } finally {
    await changes?.stop();
  }
}

/**
 * Pods that a controller could not create because the namespace's Pod
 * Security level refuses them: they never will be, so the wait ends at once.
 * Other refusals (a ServiceAccount not there yet, a quota) may pass and are
 * waited out.
 */
async function podsRefused(
  clients: WaitClients,
  params: { namespace: string; since: number; owner?: string },
): Promise<string[]> {
  const events = await withRetry(() =>
    clients.core.listNamespacedEvent({
      namespace: params.namespace,
      fieldSelector: [
        'reason=FailedCreate',
        ...(params.owner ? [`involvedObject.name=${params.owner}`] : []),
      ].join(','),
    }),
  );
  return events.items
    .filter(
      (event) =>
        eventTime(event) >= params.since - 1_000 &&
        /violates PodSecurity/.test(event.message ?? ''),
    )
    .map(
      (event) =>
        `${event.involvedObject.kind} ${event.involvedObject.name} cannot create its pods: ${(event.message ?? '').replace(/^Error creating: /, '')}`,
    );
}

/** Whether the Job controller said a Job of this name completed since `since` (its events outlive it). */
async function completedSince(
  clients: WaitClients,
  params: { namespace: string; name: string; since: number },
): Promise<boolean> {
  const events = await withRetry(() =>
    clients.core.listNamespacedEvent({
      namespace: params.namespace,
      fieldSelector: `involvedObject.kind=Job,involvedObject.name=${params.name}`,
    }),
  );
  // Event times have whole seconds.
  return events.items.some(
    (event) => event.reason === 'Completed' && eventTime(event) >= params.since - 1_000,
  );
}

async function readOrMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await withRetry(read);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Why pods are not ready: all of the namespace's, those a selector picks, or one by name. */
async function diagnose(
  clients: WaitClients,
  namespace: string,
  only: { selector?: string; pod?: string } = {},
): Promise<string[]> {
  const [pods, events] = await Promise.all([
    clients.core.listNamespacedPod({
      namespace,
      ...(only.selector ? { labelSelector: only.selector } : {}),
      ...(only.pod ? { fieldSelector: `metadata.name=${only.pod}` } : {}),
    }),
    clients.core.listNamespacedEvent({ namespace }),
  ]);
  const byTime = events.items.sort((a, b) => eventTime(a) - eventTime(b));
  const relevant =
    only.selector || only.pod
      ? byTime.filter((event) =>
          pods.items.some((pod) => pod.metadata?.name === event.involvedObject.name),
        )
      : byTime;
  return diagnoseRollout(pods.items, relevant);
}
