import { describe, expect, it } from 'vitest';
import { planOverview, type OverviewInputs } from '../../src/plan/previews-overview.ts';
import type { CommentKey, CommentRow, ObservedPreview, StoredComment } from '../../src/ports.ts';
import { shopPreview } from '../support/observed-preview.ts';

const now = new Date('2026-12-02T12:00:00Z');
const shaA = 'a'.repeat(40);
const shaB = 'b'.repeat(40);

const preview = (overrides: Partial<ObservedPreview> = {}): ObservedPreview =>
  shopPreview({
    sha: shaA,
    createdAt: '2026-12-02T09:30:00.000Z',
    activeAt: '2026-12-02T11:00:00.000Z',
    ...overrides,
  });

const key: CommentKey = {
  repositoryId: 11,
  installationId: 5,
  owner: 'acme',
  repo: 'shop',
  number: 7,
};
const comment = (rows: CommentRow[], extra: Partial<StoredComment> = {}) => ({
  key,
  stored: { state: { rows }, unsent: false, ...extra },
});
const row = (overrides: Partial<CommentRow>): CommentRow => ({
  tenant: 'fr',
  url: 'https://shop-7-fr.preview.bar.com',
  status: 'ready',
  sha: shaA,
  ...overrides,
});

const plan = (inputs: Partial<OverviewInputs>) =>
  planOverview({ previews: [], comments: [], githubWebUrl: 'https://github.com', now, ...inputs });

describe('planOverview: one row per preview', () => {
  it('says who has what running, since when, for which pull request', () => {
    expect(plan({ previews: [preview()], comments: [comment([row({})])] }).previews).toEqual([
      {
        repository: 'acme/shop',
        pullRequest: 7,
        pullRequestUrl: 'https://github.com/acme/shop/pull/7',
        tenant: 'fr',
        namespace: 'shop-pr-7-fr',
        host: 'shop-7-fr.preview.bar.com',
        url: 'https://shop-7-fr.preview.bar.com',
        state: 'ready',
        commit: shaA,
        createdAt: '2026-12-02T09:30:00.000Z',
        ageSeconds: 9000,
        deployedAt: '2026-12-02T11:00:00.000Z',
      },
    ]);
  });

  it.each<[string, Partial<ObservedPreview>, CommentRow[], string, string | undefined]>([
    ['no comment row: what the namespace says', {}, [], 'running', undefined],
    ['the comment says ready', {}, [row({})], 'ready', undefined],
    [
      'the comment says failed, with why',
      {},
      [row({ status: 'failed', reason: 'rollout timed out' })],
      'failed',
      'rollout timed out',
    ],
    [
      'asleep, whatever the comment said',
      { sleepingSince: '2026-12-02T11:30:00Z' },
      [row({})],
      'sleeping',
      undefined,
    ],
    [
      'a deploy under way',
      { deployingSha: shaB },
      [row({ status: 'failed' })],
      'deploying',
      undefined,
    ],
    [
      'a deploy that failed half-applied (its mark stays for the reconciler)',
      { deployingSha: shaB },
      [row({ status: 'failed', sha: shaB, reason: 'apply refused' })],
      'failed',
      'apply refused',
    ],
    [
      'being deleted',
      { terminating: true, sleepingSince: 'x' },
      [row({})],
      'destroying',
      undefined,
    ],
    [
      'a comment row of another tenant says nothing of it',
      {},
      [row({ tenant: 'be', status: 'failed' })],
      'running',
      undefined,
    ],
    [
      'a destroyed row (the namespace still there) is not its state',
      {},
      [row({ status: 'destroyed' })],
      'running',
      undefined,
    ],
  ])('%s', (_, overrides, rows, state, reason) => {
    const { previews } = plan({ previews: [preview(overrides)], comments: [comment(rows)] });
    const only = previews.find((p) => p.tenant === 'fr');
    expect(only?.state).toBe(state);
    expect(only?.reason).toBe(reason);
  });

  it('shows the commit running and the one being deployed', () => {
    const [only] = plan({ previews: [preview({ deployingSha: shaB })] }).previews;
    expect(only).toMatchObject({ commit: shaA, deploying: shaB });
    const [redeploy] = plan({ previews: [preview({ deployingSha: shaA })] }).previews;
    expect(redeploy?.deploying).toBeUndefined();
  });

  it('shows who kept it, and no expiry while kept', () => {
    const expiresAt = '2026-12-03T00:00:00Z';
    expect(plan({ previews: [preview({ keptBy: 'ann', expiresAt })] }).previews[0]).toMatchObject({
      keptBy: 'ann',
    });
    expect(
      plan({ previews: [preview({ keptBy: 'ann', expiresAt })] }).previews[0]?.expiresAt,
    ).toBeUndefined();
    expect(plan({ previews: [preview({ expiresAt })] }).previews[0]?.expiresAt).toBe(expiresAt);
  });

  it('links pull requests on GitHub Enterprise, and names a repository the namespace does not', () => {
    const [enterprise] = plan({
      previews: [preview()],
      githubWebUrl: 'https://ghe.example/',
    }).previews;
    expect(enterprise?.pullRequestUrl).toBe('https://ghe.example/acme/shop/pull/7');
    const [unnamed] = plan({ previews: [preview({ repository: undefined })] }).previews;
    expect(unnamed).toMatchObject({ repository: 'repository 11' });
    expect(unnamed?.pullRequestUrl).toBeUndefined();
  });
});

describe('planOverview: tenants that have no namespace yet', () => {
  it('lists rows waiting for checks and failed first deploys, not what was destroyed', () => {
    const rows = [
      row({ tenant: 'fr' }),
      row({
        tenant: 'be',
        status: 'waiting',
        reason: 'checks',
        url: 'https://shop-7-be.preview.bar.com',
      }),
      row({ tenant: 'hr', status: 'failed', reason: 'chart folder missing', url: '' }),
      row({ tenant: 'hu', status: 'destroyed' }),
    ];
    const overview = plan({ previews: [preview()], comments: [comment(rows)] });
    expect(overview.previews.map((p) => [p.tenant, p.state, p.reason, p.host])).toEqual([
      ['be', 'waiting', 'checks', 'shop-7-be.preview.bar.com'],
      ['fr', 'ready', undefined, 'shop-7-fr.preview.bar.com'],
      ['hr', 'failed', 'chart folder missing', undefined],
    ]);
    expect(overview.previews[0]?.namespace).toBeUndefined();
  });

  it("ignores a closed pull request's last comment", () => {
    const closed = comment([row({ status: 'failed' })], { closed: true });
    expect(plan({ comments: [closed] }).previews).toEqual([]);
  });
});

describe('planOverview: the register', () => {
  it('sorts by repository, pull request and tenant, and counts each state', () => {
    const overview = plan({
      previews: [
        preview({ repository: 'acme/web', pullRequest: 2, tenant: null, namespace: 'web-pr-2' }),
        preview({ pullRequest: 12, tenant: 'be', namespace: 'shop-pr-12-be', sleepingSince: 'x' }),
        preview({ pullRequest: 7, tenant: 'hr', namespace: 'shop-pr-7-hr' }),
        preview(),
      ],
    });
    expect(overview.previews.map((p) => p.namespace)).toEqual([
      'shop-pr-7-fr',
      'shop-pr-7-hr',
      'shop-pr-12-be',
      'web-pr-2',
    ]);
    expect(overview.totals).toEqual({
      running: 3,
      ready: 0,
      deploying: 0,
      waiting: 0,
      failed: 0,
      sleeping: 1,
      destroying: 0,
    });
    expect(overview.generatedAt).toBe('2026-12-02T12:00:00.000Z');
  });
});
