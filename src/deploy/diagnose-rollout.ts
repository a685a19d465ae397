import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

const stuckWaitingReasons = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Why pods are not ready, in the words a person would look for: the
 * scheduler's message, a container's waiting reason, a non-zero exit, a
 * failing readiness probe. Pure: it reads pod status and events it is given.
 */
export function diagnoseRollout(pods: V1Pod[], events: CoreV1Event[]): string[] {
  const reasons = new Set<string>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '?';
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      reasons.add(
        `pod ${name} is unschedulable: ${scheduled.message ?? scheduled.reason ?? 'no node fits'}`,
      );
      continue;
    }
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated ?? container.lastState?.terminated;
      if (waiting?.reason && stuckWaitingReasons.has(waiting.reason)) {
        reasons.add(
          `container ${container.name} of pod ${name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
        );
      } else if (terminated && terminated.exitCode !== 0) {
        reasons.add(
          `container ${container.name} of pod ${name} exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`,
        );
      } else if (container.state?.running && !container.ready) {
        const probe = latestEvent(events, name, 'Unhealthy');
        reasons.add(
          `container ${container.name} of pod ${name} is running but not ready${probe ? `: ${probe}` : ' (readiness probe failing)'}`,
        );
      }
    }
  }
  if (reasons.size === 0) {
    for (const event of events.filter((e) => e.type === 'Warning').slice(-3)) {
      reasons.add(
        `${event.involvedObject.kind} ${event.involvedObject.name}: ${event.reason}: ${event.message}`,
      );
    }
  }
  return [...reasons];
}

function latestEvent(events: CoreV1Event[], podName: string, reason: string): string | undefined {
  const matching = events.filter((e) => e.involvedObject.name === podName && e.reason === reason);
  return matching.at(-1)?.message;
}
