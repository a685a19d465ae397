import { describe, expect, it } from 'vitest';
import type { ObservedPreview, PreviewTraffic } from '../../src/ports.ts';
import { requestsOfSleepCandidates } from '../../src/reconcile/observe-traffic.ts';
import { silentLogger } from '../support/fake-ports.ts';
import { observedPreview } from '../support/observed-preview.ts';

const hour = 3_600_000;
const now = Date.parse('2026-12-01T12:00:00Z');
const preview = (namespace: string, overrides: Partial<ObservedPreview> = {}): ObservedPreview =>
  observedPreview({
    namespace,
    sleepAfterMs: hour,
    activeAt: new Date(now - 3 * hour).toISOString(),
    ...overrides,
  });

/** Prometheus as the app sees it: requests by namespace, per window asked. */
function traffic(byWindow: Record<number, Record<string, number>>) {
  const asked: number[] = [];
  const port: PreviewTraffic = {
    requestsWithin: (windowMs) => {
      asked.push(windowMs);
      return Promise.resolve(new Map(Object.entries(byWindow[windowMs] ?? {})));
    },
  };
  return { port, asked };
}

describe('requestsOfSleepCandidates', () => {
  it("counts each candidate's requests over its own sleepAfter, one query per window", async () => {
    const { port, asked } = traffic({
      [hour]: { 'a-pr-1': 4, 'b-pr-1': 0, 'busy-pr-9': 70 },
      [2 * hour]: { 'c-pr-1': 2 },
    });
    const requests = await requestsOfSleepCandidates({
      traffic: port,
      previews: [
        preview('a-pr-1'),
        preview('b-pr-1'),
        preview('c-pr-1', { sleepAfterMs: 2 * hour }),
        preview('d-pr-1'),
        // Deployed a moment ago: not a candidate, never asked about.
        preview('fresh-pr-1', { activeAt: new Date(now).toISOString() }),
        preview('asleep-pr-1', { sleepingSince: new Date(now - hour).toISOString() }),
      ],
      now,
      logger: silentLogger,
    });
    expect(asked).toEqual([hour, 2 * hour]);
    expect(requests).toEqual(
      new Map([
        ['a-pr-1', 4],
        ['b-pr-1', 0],
        ['d-pr-1', 0],
        ['c-pr-1', 2],
      ]),
    );
  });

  it('judges without traffic when the query finds no series at all, and says so', async () => {
    const warned: unknown[] = [];
    const { port } = traffic({ [hour]: {} });
    expect(
      await requestsOfSleepCandidates({
        traffic: port,
        previews: [preview('a-pr-1')],
        now,
        logger: { ...silentLogger, warn: (fields: unknown) => void warned.push(fields) },
      }),
    ).toBeUndefined();
    expect(warned).toEqual([{ previews: ['a-pr-1'] }]);
  });

  it('asks nothing without a Prometheus or without candidates, and gives up on an error', async () => {
    expect(
      await requestsOfSleepCandidates({
        traffic: undefined,
        previews: [preview('a-pr-1')],
        now,
        logger: silentLogger,
      }),
    ).toBeUndefined();
    const { port, asked } = traffic({});
    expect(
      await requestsOfSleepCandidates({
        traffic: port,
        previews: [preview('a-pr-1', { activeAt: new Date(now).toISOString() })],
        now,
        logger: silentLogger,
      }),
    ).toBeUndefined();
    expect(asked).toEqual([]);
    const warned: unknown[] = [];
    const failing: PreviewTraffic = {
      requestsWithin: () => Promise.reject(new Error('Prometheus answered 503')),
    };
    expect(
      await requestsOfSleepCandidates({
        traffic: failing,
        previews: [preview('a-pr-1')],
        now,
        logger: { ...silentLogger, warn: (fields: unknown) => void warned.push(fields) },
      }),
    ).toBeUndefined();
    expect(warned).toHaveLength(1);
  });
});
