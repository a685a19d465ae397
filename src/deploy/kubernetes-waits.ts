import {
  type AppsV1Api,
  type BatchV1Api,
  type CoreV1Api,
  type KubernetesObject,
  type Watch,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectRef, RolloutResult } from '../ports.ts';
import { diagnoseRollout } from './diagnose-rollout.ts';
import { withRetry } from './retry.ts';
import { growingPauses } from './poll-until.ts';
import { ChangeWatch } from './kubernetes-changes.ts';
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
 * second; `helm --wait` looks every 2 s), then every half second. While its
 * collections are watched, a look reads their views and asks the API server
 * nothing: the pauses only bring the deadline round.
 */
const pauses = (changes: ChangeWatch | undefined) => {
  const unwatched = growingPauses(100, 500, 2);
  const watched = growingPauses(500, 2_000, 2);
  return () => (changes?.watching ? watched() : unwatched());
};

interface Listed<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/**
 * A collection's objects: its watched view, or a list, from which its watch
 * is then opened. The kinds a wait reads are all kept this way.
 */
async function observe<T extends KubernetesObject>(
  changes: ChangeWatch | undefined,
  collection: { path: string; fieldSelector?: string },
  list: () => Promise<Listed<T>>,
): Promise<T[]> {
  const viewed = changes?.items(collection);
  if (viewed) return viewed as T[];
  const listed = await withRetry(list);
  changes?.follow([
    { ...collection, resourceVersion: listed.metadata?.resourceVersion, items: listed.items },
  ]);
  return listed.items;
}

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
  // Only the kinds the release has are asked for: in a burst, every list counts.
  const read = <T extends KubernetesObject>(
    names: Set<string>,
    path: string,
    list: () => Promise<Listed<T>>,
  ): Promise<T[]> =>
    names.size > 0
      ? observe(changes, { path }, list).then((items) => ours(items, names))
      : Promise.resolve([]);
  try {
    for (;;) {
      const [deployments, statefulSets, jobs] = await Promise.all([
        read(wanted.deployments, `/apis/apps/v1/namespaces/${namespace}/deployments`, () =>
          clients.apps.listNamespacedDeployment({ namespace }),
        ),
        read(wanted.statefulSets, `/apis/apps/v1/namespaces/${namespace}/statefulsets`, () =>
          clients.apps.listNamespacedStatefulSet({ namespace }),
        ),
        read(wanted.jobs, `/apis/batch/v1/namespaces/${namespace}/jobs`, () =>
          clients.batch.listNamespacedJob({ namespace }),
        ),
      ]);
      const waiting = [
        ...deployments
          .filter((d) => !deploymentReady(d))
          .map((d) => `Deployment ${d.metadata?.name}`),
        ...statefulSets
          .filter((s) => !statefulSetReady(s))
          .map((s) => `StatefulSet ${s.metadata?.name}`),
        ...jobs.filter((j) => !jobComplete(j)).map((j) => `Job ${j.metadata?.name}`),
      ];
      if (waiting.length === 0) return { ready: true };
      // Still waiting: pods that Pod Security refused will never come.
      const [refused] = await podsRefused(clients, changes, { namespace, since: started });
      const failed = refused ?? jobs.map(jobFailure).find(Boolean);
      if (failed || Date.now() >= deadline) {
        const headline =
          failed ?? `${waiting.join(', ')} not ready after ${Math.round(timeoutMs / 1000)} s`;
        return { ready: false, reasons: [headline, ...(await diagnose(clients, namespace))] };
      }
      await (changes ? changes.next(pause()) : sleep(pause()));
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
  const fieldSelector = `metadata.name=${ref.name}`;
  try {
    for (;;) {
      let state: CompletionState;
      const [refused] = isJob
        ? await podsRefused(clients, changes, { namespace, since: started, owner: ref.name })
        : [];
      if (refused) {
        state = { done: false, failure: refused };
      } else if (isJob) {
        const [job] = await observe(
          changes,
          { path: `/apis/batch/v1/namespaces/${namespace}/jobs`, fieldSelector },
          () => clients.batch.listNamespacedJob({ namespace, fieldSelector }),
        );
        // A Job with ttlSecondsAfterFinished: 0 may be gone before a poll saw it complete.
        state =
          job || !(await completedSince(clients, { namespace, name: ref.name, since: started }))
            ? jobState(job)
            : { done: true };
      } else {
        const [pod] = await observe(
          changes,
          { path: `/api/v1/namespaces/${namespace}/pods`, fieldSelector },
          () => clients.core.listNamespacedPod({ namespace, fieldSelector }),
        );
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
      await (changes ? changes.next(pause()) : sleep(pause()));
    }
  } finally {
    await changes?.stop();
  }
}

/**
 * Pods that a controller could not create because the namespace's Pod
 * Security level refuses them: they never will be, so the wait ends at once.
 * Other refusals (a ServiceAccount not there yet, a quota) may pass and are
 * waited out. The controllers' FailedCreate events are watched like the rest.
 */
async function podsRefused(
  clients: WaitClients,
  changes: ChangeWatch | undefined,
  params: { namespace: string; since: number; owner?: string },
): Promise<string[]> {
  const fieldSelector = [
    'reason=FailedCreate',
    ...(params.owner ? [`involvedObject.name=${params.owner}`] : []),
  ].join(',');
  const events = await observe(
    changes,
    { path: `/api/v1/namespaces/${params.namespace}/events`, fieldSelector },
    () => clients.core.listNamespacedEvent({ namespace: params.namespace, fieldSelector }),
  );
  return events
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
