import { describe, expect, it } from 'vitest';
import {
  lastActive,
  planSleep,
  planWake,
  routesToRestore,
  sleepRecordFor,
  sleepAfterMs,
  sleepDue,
  sleepingRoutes,
} from '../../src/plan/sleep.ts';
import type { ObservedPreview } from '../../src/ports.ts';
import { observedPreview } from '../support/observed-preview.ts';

const wake = { host: 'pr-preview.apps.svc.cluster.local', port: 80 };
const hour = 3_600_000;

describe('sleepAfterMs', () => {
  it.each([
    ['nothing set: never', undefined, {}, undefined],
    ['the repository alone', 2 * hour, {}, 2 * hour],
    ['the operator default', undefined, { defaultMs: hour }, hour],
    ['the repository over the default', 3 * hour, { defaultMs: hour }, 3 * hour],
    ['the maximum bounds the repository', 9 * hour, { maxMs: 4 * hour }, 4 * hour],
    ['the maximum alone', undefined, { maxMs: 4 * hour }, 4 * hour],
    ['off without a maximum', 'off' as const, { defaultMs: hour }, undefined],
    ['off under a maximum', 'off' as const, { defaultMs: hour, maxMs: 4 * hour }, 4 * hour],
  ])('%s', (_, repository, bounds, expected) => {
    expect(sleepAfterMs(repository, { ...bounds, wake })).toBe(expected);
  });

  it('never without a wake Service: nothing could wake it', () => {
    expect(sleepAfterMs(hour, { defaultMs: hour, maxMs: hour })).toBeUndefined();
  });
});

describe('sleepDue', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const preview = (overrides: Partial<ObservedPreview>): ObservedPreview =>
    observedPreview({
      sha: 'a'.repeat(40),
      sleepAfterMs: hour,
      activeAt: new Date(now - 2 * hour).toISOString(),
      ...overrides,
    });

  it('keeps a preview requested within its sleepAfter awake, when requests were read', () => {
    const requests = new Map([['foo-pr-1', 3]]);
    expect(sleepDue(preview({}), now, requests)).toBe(false);
    expect(sleepDue(preview({}), now, new Map([['foo-pr-1', 0]]))).toBe(true);
    // A namespace the metrics do not show had no request.
    expect(sleepDue(preview({}), now, new Map([['bar-pr-2', 9]]))).toBe(true);
    // Requests never make a preview deployed a moment ago sleep.
    expect(sleepDue(preview({ activeAt: new Date(now).toISOString() }), now, new Map())).toBe(
      false,
    );
  });

  it('counts idle time from the later of the last deploy and the last wake', () => {
    expect(sleepDue(preview({}), now)).toBe(true);
    expect(sleepDue(preview({ wokenAt: new Date(now - hour / 2).toISOString() }), now)).toBe(false);
    expect(lastActive({ activeAt: 'garbage', wokenAt: '2026-11-30T10:00:00Z' })).toBe(
      Date.parse('2026-11-30T10:00:00Z'),
    );
  });

  it.each([
    ['asleep already', { sleepingSince: '2026-11-30T11:00:00Z' }],
    ['deploying', { deployingSha: 'b'.repeat(40) }],
    ['terminating', { terminating: true }],
    ['without sleepAfter', { sleepAfterMs: undefined }],
    ['recently deployed', { activeAt: new Date(now - 1000).toISOString() }],
  ])('not when %s', (_, overrides) => {
    expect(sleepDue(preview(overrides), now)).toBe(false);
  });
});

describe('sleepRecordFor', () => {
  const routes = { rules: [{ host: 'foo-1.preview.bar.com' }] };

  it('records what each workload and Ingress had, and leaves a chart zero alone', () => {
    expect(
      sleepRecordFor(undefined, {
        workloads: [
          { key: 'Deployment/web', replicas: 3 },
          { key: 'Deployment/worker' },
          { key: 'StatefulSet/batch', replicas: 0 },
        ],
        ingresses: [{ name: 'web', routes }],
      }),
    ).toEqual({
      replicas: { 'Deployment/web': 3, 'Deployment/worker': 1 },
      routes: { web: routes },
    });
  });

  it('keeps what an earlier sleep recorded, as a hand scale-up while asleep is undone', () => {
    const asleep = { rules: [{ host: 'foo-1.preview.bar.com', http: { paths: [] } }] };
    expect(
      sleepRecordFor(
        { replicas: { 'Deployment/web': 4 }, routes: { web: routes } },
        {
          workloads: [{ key: 'Deployment/web', replicas: 1 }],
          ingresses: [{ name: 'web', routes: asleep }],
        },
      ),
    ).toEqual({ replicas: { 'Deployment/web': 4 }, routes: { web: routes } });
  });
});

describe('routesToRestore', () => {
  const host = 'foo-1.preview.bar.com';
  const path = (service: string) => ({ path: '/', backend: { service: { name: service } } });

  it.each([
    [
      'routes of the preview host to its Services',
      [{ host, http: { paths: [path('web')] } }],
      true,
    ],
    ['a rule for another host', [{ host: 'shop.bar.com', http: { paths: [path('web')] } }], false],
    ['a rule for every host', [{ http: { paths: [path('web')] } }], false],
    ['a resource backend', [{ host, http: { paths: [{ path: '/', backend: {} }] } }], false],
  ])('gives back %s: %s', (_what, rules, given) => {
    expect(routesToRestore({ rules }, host) !== undefined).toBe(given);
  });
});

describe('sleepingRoutes', () => {
  it('sends every path to the wake Service, hosts unchanged', () => {
    const routes = {
      rules: [
        {
          host: 'foo-1.preview.bar.com',
          http: {
            paths: [
              { path: '/', backend: { service: { name: 'web', port: { name: 'http' } } } },
              { path: '/api', backend: { service: { name: 'api', port: { number: 8080 } } } },
            ],
          },
        },
        { host: 'bare.preview.bar.com' },
      ],
    };
    const wakeBackend = { service: { name: 'pr-preview-wake', port: { number: 80 } } };
    expect(sleepingRoutes(routes, wake)).toEqual({
      rules: [
        {
          host: 'foo-1.preview.bar.com',
          http: {
            paths: [
              { path: '/', backend: wakeBackend },
              { path: '/api', backend: wakeBackend },
            ],
          },
        },
        { host: 'bare.preview.bar.com' },
      ],
    });
  });
});

describe('planSleep', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const named = (namespace: string, overrides: Partial<ObservedPreview>) =>
    observedPreview({
      namespace,
      sha: 'abc',
      sleepAfterMs: hour,
      activeAt: new Date(now - 2 * hour).toISOString(),
      ...overrides,
    });
  it('puts to sleep what is still due, again what sleeps, and leaves the rest', () => {
    const steps = planSleep(
      [
        named('idle', {}),
        named('used-since', { activeAt: new Date(now - 10 * 60_000).toISOString() }),
        named('asleep', { sleepingSince: '2026-11-30T10:00:00.000Z' }),
        named('going', { terminating: true, sleepingSince: '2026-11-30T10:00:00.000Z' }),
        named('deploying', { deployingSha: 'def' }),
      ],
      now,
    );
    expect(steps.map((s) => [s.preview.namespace, s.since, s.again])).toEqual([
      ['idle', '2026-11-30T12:00:00.000Z', false],
      ['asleep', '2026-11-30T10:00:00.000Z', true],
    ]);
  });
});

describe('planWake', () => {
  it.each([
    ['a sleeping preview wakes', { sleepingSince: '2026-12-02T10:00:00Z' }, [true]],
    ['an awake one only counts as used', {}, [false]],
    ['one being destroyed is left alone', { sleepingSince: 'x', terminating: true }, []],
  ] as const)('%s', (_name, overrides: Partial<ObservedPreview>, asleep) => {
    expect(planWake([observedPreview(overrides)]).map((step) => step.asleep)).toEqual(asleep);
  });
});
