import { describe, expect, it } from 'vitest';
import {
  markDestroyed,
  upsertRows,
  withKeptBy,
  withSleepStatus,
  withWokenRows,
} from '../../src/plan/comment-rows.ts';
import type { CommentRow, CommentState } from '../../src/ports.ts';
import { observedPreview } from '../support/observed-preview.ts';

const row = (tenant: string, overrides: Partial<CommentRow> = {}): CommentRow => ({
  tenant,
  url: `https://shop-7-${tenant}.preview.bar.com`,
  status: 'ready',
  sha: 'a'.repeat(40),
  ...overrides,
});

describe('who kept a preview, in the comment rows', () => {
  const kept: CommentState = { rows: [row('be'), row('fr', { keptBy: 'ann' })] };

  it('is set and cleared per tenant by /preview keep and unkeep', () => {
    expect(withKeptBy(kept, ['be'], 'bob').rows.map((r) => r.keptBy)).toEqual(['bob', 'ann']);
    expect(withKeptBy(kept, ['fr', 'be'], undefined).rows).toEqual([row('be'), row('fr')]);
  });

  it('stays through a deploy, sleep or failure of that tenant', () => {
    const next = upsertRows(kept, [
      row('fr', { status: 'deploying', sha: 'b'.repeat(40) }),
      row('be', { status: 'sleeping' }),
    ]);
    expect(next.rows).toEqual([
      row('be', { status: 'sleeping' }),
      row('fr', { status: 'deploying', sha: 'b'.repeat(40), keptBy: 'ann' }),
    ]);
  });

  it('goes with the preview', () => {
    expect(markDestroyed(kept, ['fr']).rows[1]).toEqual({
      tenant: 'fr',
      url: 'https://shop-7-fr.preview.bar.com',
      sha: 'a'.repeat(40),
      status: 'destroyed',
    });
  });
});

describe('the rows of sleep and wake', () => {
  const preview = (tenant: string) =>
    observedPreview({ tenant, host: `shop-7-${tenant}.preview.bar.com`, sha: 'a'.repeat(40) });

  it.each([
    ['ready', 'sleeping', 'sleeping'],
    ['sleeping', 'ready', 'ready'],
    // The last deploy did not succeed: the row says why until a deploy does.
    ['failed', 'sleeping', 'failed'],
    ['failed', 'ready', 'failed'],
    ['ready', 'failed', 'failed'],
  ] as const)('a %s row told %s reads %s', (before, told, after) => {
    const state: CommentState = { rows: [row('fr', { status: before })] };
    expect(withSleepStatus(state, [preview('fr')], told).rows[0]?.status).toBe(after);
  });

  it('adds the row of a preview the comment lacks, at its own host', () => {
    expect(withSleepStatus({ rows: [] }, [preview('hr')], 'sleeping').rows).toEqual([
      row('hr', { status: 'sleeping' }),
    ]);
  });

  it('says which woken previews came up and why the others did not', () => {
    const state: CommentState = { rows: [row('fr', { status: 'sleeping' }), row('be')] };
    const next = withWokenRows(state, [
      { preview: preview('fr'), problem: undefined },
      { preview: preview('be'), problem: 'not ready: ImagePullBackOff' },
    ]);
    expect(next.rows.map((r) => [r.tenant, r.status, r.reason])).toEqual([
      ['be', 'failed', 'woke, but not ready: ImagePullBackOff'],
      ['fr', 'ready', undefined],
    ]);
  });
});
