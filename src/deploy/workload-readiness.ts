import type {
  CoreV1Event,
  V1Deployment,
  V1Job,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';

// Whether a workload, a hook's Job or a hook's Pod is done, judged from the
// object as `kubectl rollout status` and helm judge them; the waits
// (kubernetes-waits.ts) read the objects.

/** A hook's state: done, or failed and why, or neither yet. */
export interface CompletionState {
  done: boolean;
  failure?: string;
}

export function jobState(job: V1Job | undefined): CompletionState {
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

export function podState(pod: V1Pod | undefined): CompletionState {
  if (!pod) return { done: false, failure: 'it was deleted before it finished' };
  if (pod.status?.phase === 'Succeeded') return { done: true };
  return pod.status?.phase === 'Failed'
    ? {
        done: false,
        failure: `the pod failed${pod.status.reason ? ` (${pod.status.reason})` : ''}`,
      }
    : { done: false };
}

/** The same test as `kubectl rollout status`. */
export function deploymentReady(d: V1Deployment): boolean {
  const replicas = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  return (
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.replicas ?? 0) <= (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
  );
}

export function statefulSetReady(s: V1StatefulSet): boolean {
  const replicas = s.spec?.replicas ?? 1;
  const status = s.status ?? { replicas: 0 };
  return (
    (status.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0) &&
    (status.readyReplicas ?? 0) >= replicas &&
    (status.updatedReplicas ?? 0) >= replicas
  );
}

export function jobComplete(j: V1Job): boolean {
  return Boolean(j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
}

export function jobFailure(j: V1Job): string | undefined {
  const failed = j.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed
    ? `Job ${j.metadata?.name} failed: ${failed.message ?? failed.reason ?? 'no reason given'}`
    : undefined;
}

export function eventTime(event: CoreV1Event): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return time ? new Date(time).getTime() : 0;
}
