import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { diagnoseRollout } from '../../src/deploy/diagnose-rollout.ts';

const pod = (name: string, status: V1Pod['status']): V1Pod => ({ metadata: { name }, status });
const event = (name: string, reason: string, message: string, type = 'Warning'): CoreV1Event =>
  ({ involvedObject: { kind: 'Pod', name }, reason, message, type, metadata: {} }) as CoreV1Event;

describe('diagnoseRollout', () => {
  it('names an unschedulable pod with the scheduler message', () => {
    const pending = pod('web-1', {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      ],
    });
    expect(diagnoseRollout([pending], [])).toEqual([
      'pod web-1 is unschedulable: 0/3 nodes are available: 3 Insufficient cpu.',
    ]);
  });

  it.each([
    [
      'ImagePullBackOff',
      'Back-off pulling image "x:1"',
      'container web of pod web-1: ImagePullBackOff: Back-off pulling image "x:1"',
    ],
    ['CrashLoopBackOff', undefined, 'container web of pod web-1: CrashLoopBackOff'],
  ])('reports a container waiting in %s', (reason, message, expected) => {
    const stuck = pod('web-1', {
      containerStatuses: [
        {
          name: 'web',
          image: 'x:1',
          imageID: '',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason, message } },
        },
      ],
    });
    expect(diagnoseRollout([stuck], [])).toEqual([expected]);
  });

  it('reports a non-zero exit and a failing readiness probe', () => {
    const crashed = pod('a', {
      containerStatuses: [
        {
          name: 'web',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 1,
          state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
    });
    const unready = pod('b', {
      containerStatuses: [
        {
          name: 'web',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { running: {} },
        },
      ],
    });
    expect(
      diagnoseRollout(
        [crashed, unready],
        [event('b', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503')],
      ),
    ).toEqual([
      'container web of pod a exited with code 137 (OOMKilled)',
      'container web of pod b is running but not ready: Readiness probe failed: HTTP probe failed with statuscode: 503',
    ]);
  });

  it('falls back to the latest warnings when pods say nothing', () => {
    expect(
      diagnoseRollout(
        [],
        [event('web', 'FailedCreate', 'quota exceeded'), event('web', 'Scheduled', 'ok', 'Normal')],
      ),
    ).toEqual(['Pod web: FailedCreate: quota exceeded']);
  });
});
