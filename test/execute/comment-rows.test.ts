import { describe, expect, it } from 'vitest';
import { markDestroyed, upsertRows, withKeptBy } from '../../src/execute/comment-rows.ts';
import type { CommentRow, CommentState } from '../../src/ports.ts';

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
