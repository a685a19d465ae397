import { describe, expect, it } from 'vitest';
import { recordFailure, sameFailure, type FailureRecord } from '../../src/plan/failure-memory.ts';
import {
  labelsMayWant,
  planReconcile,
  staleFailures,
  type KnownRepository,
  targetsToDeploy,
} from '../../src/plan/plan-reconcile.ts';
import type { ObservedPreview } from '../../src/ports.ts';
import { observedPreview } from '../support/observed-preview.ts';

const now = Date.parse('2026-11-27T12:00:00Z');
const head = 'b'.repeat(40);

function preview(overrides: Partial<ObservedPreview> = {}): ObservedPreview {
  return {
    namespace: 'foo-pr-1-fr',
    repositoryId: 10,
    pullRequest: 1,
    installationId: 100,
    tenant: 'fr',
    sha: head,
    origin: 'label',
    inventory: [],
    terminating: false,
    ...overrides,
  };
}

function repo(pulls: KnownRepository['openPulls']): KnownRepository {
  return { id: 10, owner: 'acme', name: 'foo', installationId: 100, openPulls: pulls };
}

const labelled = { number: 1, headSha: head, labels: ['cd/preview'] };

describe('planReconcile', () => {
  it('does nothing for previews that are current', () => {
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [repo([labelled])],
        previews: [preview()],
      }),
    ).toEqual([]);
  });

  it('destroys the previews of an uninstalled app, a removed repository and a closed pull request', () => {
    const r = repo([]);
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [
          preview({ installationId: 999, repositoryId: 77, namespace: 'a' }),
          preview({ repositoryId: 55, namespace: 'b' }),
          preview({ namespace: 'c' }),
        ],
      }),
    ).toEqual([
      {
        kind: 'destroy',
        repositoryId: 77,
        installationId: 999,
        pullRequest: 1,
        namespaces: ['a'],
        tenants: ['fr'],
        reason: 'app uninstalled',
      },
      {
        kind: 'destroy',
        repositoryId: 55,
        installationId: 100,
        pullRequest: 1,
        namespaces: ['b'],
        tenants: ['fr'],
        reason: 'repository removed',
      },
      {
        kind: 'destroy',
        repository: r,
        repositoryId: 10,
        installationId: 100,
        pullRequest: 1,
        namespaces: ['c'],
        tenants: ['fr'],
        reason: 'pull request closed',
      },
    ]);
  });

  it('destroys label-made previews whose labels are gone, and keeps command-made ones', () => {
    const r = repo([{ number: 1, headSha: head, labels: [] }]);
    const actions = planReconcile({
      now,
      installationIds: [100],
      repositories: [r],
      previews: [preview(), preview({ namespace: 'foo-pr-1-be', tenant: 'be', origin: 'command' })],
    });
    expect(actions).toEqual([
      {
        kind: 'destroy',
        repository: r,
        repositoryId: 10,
        installationId: 100,
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'label removed',
      },
    ]);
  });

  it.each([
    { labels: ['cd/preview:fr'], tenant: 'be', destroyed: true },
    { labels: ['cd/preview:FR ', 'bug'], tenant: 'fr', destroyed: false },
    { labels: ['cd/preview'], tenant: 'be', destroyed: false },
    { labels: ['cd/preview:fr'], tenant: null, destroyed: true },
    { labels: ['cd/preview'], tenant: null, destroyed: false },
    { labels: ['cd/previews'], tenant: 'fr', destroyed: true },
  ])(
    'a label-made preview of $tenant under $labels is destroyed: $destroyed',
    ({ labels, tenant, destroyed }) => {
      const r = repo([{ number: 1, headSha: head, labels }]);
      const actions = planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [preview({ tenant, namespace: `foo-pr-1-${tenant ?? 'x'}` })],
      });
      expect(
        actions.filter((a) => a.kind === 'destroy').map((a) => a.kind === 'destroy' && a.tenants),
      ).toEqual(destroyed ? [[tenant]] : []);
      expect(labelsMayWant(labels, tenant)).toBe(!destroyed);
    },
  );

  it('destroys expired previews', () => {
    const r = repo([labelled]);
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [
          preview({ expiresAt: '2026-11-27T11:59:59Z' }),
          preview({ namespace: 'x', tenant: 'be', expiresAt: '2026-11-30T00:00:00Z' }),
          preview({
            namespace: 'kept',
            tenant: 'hr',
            expiresAt: '2026-11-20T00:00:00Z',
            keptBy: 'ann',
          }),
          preview({
            namespace: 'unkept',
            tenant: 'hu',
            expiresAt: '2026-11-20T00:00:00Z',
            expiresNotBefore: '2026-11-27T12:00:01Z',
            expiryWarnedFor: '2026-11-27T12:00:01.000Z',
          }),
        ],
      }),
    ).toEqual([
      {
        kind: 'destroy',
        repository: r,
        repositoryId: 10,
        installationId: 100,
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'expired',
      },
    ]);
  });

  it('warns of an expiry a quarter of the ttl ahead, at most a day ahead, once for each expiry', () => {
    const r = repo([labelled]);
    const hours = (n: number) => new Date(now + n * 3_600_000).toISOString();
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [
          // A 7-day ttl: warned 24 h ahead.
          preview({ namespace: 'a', tenant: 'fr', activeAt: hours(-150), expiresAt: hours(18) }),
          // A 4-hour ttl: warned 1 h ahead, not yet.
          preview({ namespace: 'b', tenant: 'be', activeAt: hours(-2), expiresAt: hours(2) }),
          // Warned of this very expiry already.
          preview({
            namespace: 'c',
            tenant: 'hr',
            activeAt: hours(-150),
            expiresAt: hours(2),
            expiryWarnedFor: hours(2),
          }),
          // Warned of an earlier expiry; a push moved it.
          preview({
            namespace: 'd',
            tenant: 'hu',
            activeAt: hours(-160),
            expiresAt: hours(8),
            expiryWarnedFor: hours(-10),
          }),
          // Kept: it never expires.
          preview({
            namespace: 'e',
            tenant: 'xx',
            activeAt: hours(-160),
            expiresAt: hours(1),
            keptBy: 'ann',
          }),
        ],
      }),
    ).toEqual([
      {
        kind: 'warn-expiry',
        repository: r,
        pullRequest: 1,
        namespaces: ['a', 'd'],
        tenants: ['fr', 'hu'],
      },
    ]);
  });

  it('syncs a pull request whose previews are behind, half-deployed, or missing', () => {
    const r = repo([labelled]);
    const sync = { kind: 'sync', repository: r, pull: labelled };
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [preview({ sha: 'a'.repeat(40) })],
      }),
    ).toEqual([sync]);
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [preview({ deployingSha: head })],
      }),
    ).toEqual([sync]);
    expect(planReconcile({ now, installationIds: [100], repositories: [r], previews: [] })).toEqual(
      [sync],
    );
  });

  it('leaves pull requests without preview labels alone, and terminating namespaces of open ones', () => {
    const r = repo([{ number: 2, headSha: head, labels: ['bug'] }]);
    const previews = [preview({ pullRequest: 2, terminating: true })];
    expect(planReconcile({ now, installationIds: [100], repositories: [r], previews })).toEqual([]);
  });

  it('finishes a destroy of a closed pull request that a crash cut short', () => {
    const r = repo([]);
    const previews = [preview({ terminating: true })];
    expect(planReconcile({ now, installationIds: [100], repositories: [r], previews })).toEqual([
      {
        kind: 'destroy',
        repository: r,
        repositoryId: 10,
        installationId: 100,
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'pull request closed',
      },
    ]);
  });
});

describe('planReconcile with what it could not see and what failed before', () => {
  const failure = (overrides: Partial<FailureRecord> = {}): FailureRecord => ({
    repositoryId: 10,
    pullRequest: 1,
    sha: head,
    reasons: { fr: 'helm template failed: boom' },
    attempts: 1,
    retryAt: now + 60_000,
    settings: 's1',
    ...overrides,
  });

  it('leaves alone the previews of a repository or installation GitHub could not list', () => {
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [],
        unavailable: { installationIds: [], repositoryIds: [10] },
        previews: [preview()],
      }),
    ).toEqual([]);
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [],
        unavailable: { installationIds: [100], repositoryIds: [] },
        previews: [preview()],
      }),
    ).toEqual([]);
  });

  it.each([
    ['waits out the backoff of a commit that failed', failure(), 0],
    ['tries again once the backoff is over', failure({ retryAt: now - 1 }), 1],
    ['tries a new commit at once', failure({ sha: 'c'.repeat(40) }), 1],
    ['tries again at once under other settings', failure({ settings: 's0' }), 1],
  ])('%s', (_what, record, syncs) => {
    const actions = planReconcile({
      now,
      installationIds: [100],
      repositories: [repo([labelled])],
      previews: [],
      failures: [record],
      settings: 's1',
    });
    expect(actions.filter((a) => a.kind === 'sync')).toHaveLength(syncs);
  });

  it('forgets the failures of pull requests that are no longer open', () => {
    const input = {
      now,
      installationIds: [100],
      repositories: [repo([labelled])],
      unavailable: { installationIds: [], repositoryIds: [30] },
      previews: [],
      failures: [
        failure(),
        failure({ pullRequest: 2 }),
        failure({ repositoryId: 20 }),
        failure({ repositoryId: 30 }),
      ],
    };
    expect(staleFailures(input).map((f) => `${f.repositoryId}#${f.pullRequest}`)).toEqual([
      '10#2',
      '20#1',
    ]);
  });
});

describe('planReconcile and sleep', () => {
  const idle = {
    sleepAfterMs: 3_600_000,
    activeAt: new Date(now - 2 * 3_600_000).toISOString(),
  };
  const plan = (previews: ObservedPreview[], running: string[] = [], pull = labelled) =>
    planReconcile({
      now,
      installationIds: [100],
      repositories: [repo([pull])],
      previews,
      running: new Set(running),
    });

  it('puts to sleep the idle previews of a pull request, and only those', () => {
    expect(
      plan([
        preview({ ...idle }),
        preview({ namespace: 'foo-pr-1-be', tenant: 'be', sleepAfterMs: 3_600_000 }),
      ]),
    ).toEqual([
      {
        kind: 'sleep',
        repository: repo([labelled]),
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
      },
    ]);
  });

  it('puts nothing to sleep while sleep is switched off, asleep or not', () => {
    const asleep = preview({ ...idle, sleepingSince: new Date(now - 60_000).toISOString() });
    const off = (previews: ObservedPreview[]) =>
      planReconcile({
        now,
        installationIds: [100],
        repositories: [repo([labelled])],
        previews,
        running: new Set(['foo-pr-1-fr']),
        sleepOff: true,
      });
    expect(off([preview({ ...idle })])).toEqual([]);
    expect(off([asleep])).toEqual([]);
  });

  it('puts a sleeping preview to sleep again when its workloads run, and never wakes one', () => {
    const asleep = preview({ ...idle, sleepingSince: new Date(now - 60_000).toISOString() });
    expect(plan([asleep], ['foo-pr-1-fr'])).toEqual([
      expect.objectContaining({ kind: 'sleep', namespaces: ['foo-pr-1-fr'] }),
    ]);
    expect(plan([asleep], ['other-namespace'])).toEqual([]);
  });

  it("puts a draft's idle preview to sleep though it is behind: its sync may deploy nothing", () => {
    const draft = { ...labelled, draft: true };
    const behind = preview({ ...idle, sha: 'a'.repeat(40) });
    expect(plan([behind], [], draft)).toEqual([
      { kind: 'sync', repository: repo([draft]), pull: draft },
      expect.objectContaining({ kind: 'sleep', namespaces: ['foo-pr-1-fr'] }),
    ]);
  });

  it('deploys a preview behind its head rather than put it to sleep: the deploy wakes it', () => {
    const behind = preview({ ...idle, sha: 'a'.repeat(40), sleepingSince: 'x' });
    expect(plan([behind], ['foo-pr-1-fr'])).toEqual([
      { kind: 'sync', repository: repo([labelled]), pull: labelled },
    ]);
  });
});

describe('recordFailure', () => {
  const base = {
    pr: { repositoryId: 10, number: 1 },
    sha: head,
    reasons: { fr: 'boom' },
    settings: 's1',
    now,
    backoff: { firstMs: 60_000, maxMs: 300_000 },
  };

  it('doubles the wait for each retry by the reconciler, up to the cap, and starts afresh otherwise', () => {
    let record = recordFailure({ ...base, previous: undefined, byReconciler: false });
    expect([record.attempts, record.retryAt - now]).toEqual([1, 60_000]);
    const waits = [];
    for (let i = 0; i < 4; i++) {
      record = recordFailure({ ...base, previous: record, byReconciler: true });
      waits.push(record.retryAt - now);
    }
    expect(waits).toEqual([120_000, 240_000, 300_000, 300_000]);
    expect(recordFailure({ ...base, previous: record, byReconciler: false }).attempts).toBe(1);
    expect(
      recordFailure({ ...base, sha: 'c'.repeat(40), previous: record, byReconciler: true })
        .attempts,
    ).toBe(1);
  });

  it('tells a retry that failed the same way from one that failed otherwise', () => {
    const record = recordFailure({ ...base, previous: undefined, byReconciler: false });
    expect(sameFailure(record, { fr: 'boom' })).toBe(true);
    expect(sameFailure(record, { fr: 'other' })).toBe(false);
    expect(sameFailure(record, { fr: 'boom', be: 'boom' })).toBe(false);
    expect(sameFailure(record, {})).toBe(false);
  });
});

describe('targetsToDeploy', () => {
  const sha = 'c'.repeat(40);
  const target = (tenant: string) =>
    ({ tenant, namespace: `shop-pr-1-${tenant}` }) as Parameters<
      typeof targetsToDeploy
    >[0]['targets'][number];
  const targets = ['fr', 'be', 'hr', 'hu'].map(target);
  const live = [
    observedPreview({ namespace: 'shop-pr-1-fr', tenant: 'fr', sha }),
    observedPreview({ namespace: 'shop-pr-1-be', tenant: 'be', sha: 'old' }),
    observedPreview({ namespace: 'shop-pr-1-hr', tenant: 'hr', sha, deployingSha: sha }),
  ];
  it.each([
    ['a webhook deploys every target', false, [], ['fr', 'be', 'hr', 'hu']],
    ['a pass repairs what is behind, half-applied or missing', true, [], ['be', 'hr', 'hu']],
    ['a pass brings back no preview that expired at the commit', true, ['hu'], ['be', 'hr']],
    ['an expired row does not hold back a webhook', false, ['hu'], ['fr', 'be', 'hr', 'hu']],
  ])('%s', (_, reconcile, expiredTenants, expected) => {
    const chosen = targetsToDeploy({ targets, reconcile, sha, live, expiredTenants });
    expect(chosen.map((t) => t.tenant)).toEqual(expected);
  });
});
