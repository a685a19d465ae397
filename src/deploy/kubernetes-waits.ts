import {
  type AppsV1Api,
  type BatchV1Api,
  type CoreV1Api,
  type CoreV1Event,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectRef, RolloutResult } from '../ports.ts';
import { diagnoseRollout } from './diagnose-rollout.ts';
import { withRetry } from './retry.ts';
import { growingPauses } from './poll-until.ts';
import { isNotFound } from './api-status.ts';

export interface WaitClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
}

/**
 * How often a rollout or a hook is looked at: soon after it starts (on a
 * small cluster a Deployment is ready within a second; `helm --wait` looks
 * every 2 s), then every half second.
 */
const nextPause = () => growingPauses(100, 500, 2);

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
  const pause = nextPause();
  // Only the kinds the release has are asked for: in a burst, every list counts.
  const none = { items: [] };
  for (;;) {
    const [deployments, statefulSets, jobs] = await withRetry(() =>
      Promise.all([
        wanted.deployments.size > 0 ? clients.apps.listNamespacedDeployment({ namespace }) : none,
        wanted.statefulSets.size > 0 ? clients.apps.listNamespacedStatefulSet({ namespace }) : none,
        wanted.jobs.size > 0 ? clients.batch.listNamespacedJob({ namespace }) : none,
      ]),
    );
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
    // Still waiting: pods that Pod Security refused will never come.
    const refusedPods = await podsRefused(clients, { namespace, since: started });
    const failedJob = refusedPods[0] ?? ourJobs.map(jobFailure).find(Boolean);
    if (failedJob || Date.now() >= deadline) {
      const headline =
        failedJob ?? `${waiting.join(', ')} not ready after ${Math.round(timeoutMs / 1000)} s`;
      return { ready: false, reasons: [headline, ...(await diagnose(clients, namespace))] };
    }
    await sleep(pause());
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
  const pause = nextPause();
  const isJob = ref.kind === 'Job';
  for (;;) {
    let state: CompletionState;
    const [refused] = isJob
      ? await podsRefused(clients, { namespace, since: started, owner: ref.name })
      : [];
    if (refused) {
      state = { done: false, failure: refused };
    } else if (isJob) {
      const job = await readOrMissing(() =>
        clients.batch.readNamespacedJob({ name: ref.name, namespace }),
      );
      // A Job with ttlSecondsAfterFinished: 0 may be gone before a poll saw it complete.
      state =
        job || !(await completedSince(clients, { namespace, name: ref.name, since: started }))
          ? jobState(job)
          : { done: true };
    } else {
      state = podState(
        await readOrMissing(() => clients.core.readNamespacedPod({ name: ref.name, namespace })),
      );
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
    await sleep(pause());
  }
}

interface CompletionState {
  done: boolean;
  failure?: string;
}

function jobState(job: V1Job | undefined): CompletionState {
  if (!job) return { done: false, failure: 'it was deleted before it finished' };
  if (jobComplete(job)) return { done: true };
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed
    ? {
        done: false,
        failure: `${failed.reason ?? 'Failed'}: ${failed.message ?? 'no reason given'}`,
      }
    : { done: false };
}

function podState(pod: V1Pod | undefined): CompletionState {
  if (!pod) return { done: false, failure: 'it was deleted before it finished' };
  if (pod.status?.phase === 'Succeeded') return { done: true };
  return pod.status?.phase === 'Failed'
    ? {
        done: false,
        failure: `the pod failed${pod.status.reason ? ` (${pod.status.reason})` : ''}`,
      }
    : { done: false };
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

/** The same test as `kubectl rollout status`. */
function deploymentReady(d: V1Deployment): boolean {
  const replicas = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  return (
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.replicas ?? 0) <= (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
  );
}

function statefulSetReady(s: V1StatefulSet): boolean {
  const replicas = s.spec?.replicas ?? 1;
  const status = s.status ?? { replicas: 0 };
  return (
    (status.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0) &&
    (status.readyReplicas ?? 0) >= replicas &&
    (status.updatedReplicas ?? 0) >= replicas
  );
}

function jobComplete(j: V1Job): boolean {
  return Boolean(j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
}

function jobFailure(j: V1Job): string | undefined {
  const failed = j.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed
    ? `Job ${j.metadata?.name} failed: ${failed.message ?? failed.reason ?? 'no reason given'}`
    : undefined;
}

function eventTime(event: CoreV1Event): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return time ? new Date(time).getTime() : 0;
}
