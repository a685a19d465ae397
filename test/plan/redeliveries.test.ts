import { describe, expect, it } from 'vitest';
import {
  deliveriesToRedeliver,
  redeliveryWindow,
  type DeliveryAttempt,
} from '../../src/plan/redeliveries.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute)).toISOString();
const attempt = (
  id: number,
  guid: string,
  minute: number,
  statusCode: number,
  event = 'pull_request',
): DeliveryAttempt => ({
  id,
  guid,
  deliveredAt: at(minute),
  statusCode,
  event,
});
const events = ['pull_request', 'issue_comment'];

describe('deliveriesToRedeliver', () => {
  it('asks once, oldest first, for each delivery no attempt of which succeeded', () => {
    const chosen = deliveriesToRedeliver({
      attempts: [
        attempt(1, 'a', 10, 0),
        attempt(2, 'a', 11, 502),
        attempt(3, 'b', 5, 200),
        attempt(4, 'c', 3, 0, 'issue_comment'),
        attempt(5, 'd', 12, 503),
        attempt(6, 'd', 13, 202),
      ],
      since: Date.parse(at(0)),
      events,
    });
    expect(chosen.map((a) => a.id)).toEqual([4, 1]);
  });

  it('leaves what came before the window, and events the app does not handle', () => {
    expect(
      deliveriesToRedeliver({
        attempts: [attempt(1, 'a', 1, 0), attempt(2, 'b', 20, 0, 'push'), attempt(3, 'c', 30, 500)],
        since: Date.parse(at(10)),
        events,
      }).map((a) => a.id),
    ).toEqual([3]);
  });
});

describe('redeliveryWindow', () => {
  const now = Date.parse(at(0));
  it.each([
    { checkedThrough: undefined, since: now - 3_600_000 },
    { checkedThrough: now - 60_000, since: now - 60_000 },
    { checkedThrough: now - 10 * 24 * 3_600_000, since: now - 3 * 24 * 3_600_000 },
  ])('from $checkedThrough', ({ checkedThrough, since }) => {
    expect(redeliveryWindow({ checkedThrough, now, firstLookbackMs: 3_600_000 })).toBe(since);
  });
});
