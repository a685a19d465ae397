import { describe, expect, it } from 'vitest';
import type { ReconcileAction } from '../../src/plan/plan-reconcile.ts';
import { expiredNote, planReconcileDestroy } from '../../src/plan/reconcile-destroy.ts';
import { observedPreview } from '../support/observed-preview.ts';

const now = Date.parse('2026-12-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

type DestroyAction = Extract<ReconcileAction, { kind: 'destroy' }>;
const action = (reason: DestroyAction['reason']): DestroyAction => ({
  kind: 'destroy',
  repositoryId: 10,
  installationId: 100,
  pullRequest: 1,
  namespaces: ['foo-pr-1-fr', 'foo-pr-1-be'],
  tenants: ['fr', 'be'],
  reason,
});

const fr = observedPreview({ namespace: 'foo-pr-1-fr', tenant: 'fr', expiresAt: iso(now - 1) });
const be = observedPreview({ namespace: 'foo-pr-1-be', tenant: 'be', expiresAt: iso(now - 1) });
const other = observedPreview({ namespace: 'foo-pr-1-hr', tenant: 'hr', expiresAt: iso(now - 1) });

describe('planReconcileDestroy', () => {
  it.each([
    ['pull request closed', true],
    ['label removed', false],
    ['app uninstalled', false],
  ] as const)(
    'destroys what the pass named for %s, whatever the expiry says (close the comment: %s)',
    (reason, closeComment) => {
      const kept = { ...fr, expiresAt: iso(now + 60_000) };
      expect(planReconcileDestroy(action(reason), [kept, be, other], now)).toEqual({
        kind: 'destroy',
        selection: { all: false, tenants: ['fr', 'be'] },
        doomed: [kept, be],
        reason,
        closeComment,
      });
    },
  );

  it('destroys, of the expired previews the pass named, only those still expired', () => {
    const kept = { ...fr, expiresAt: iso(now + 60_000) };
    expect(planReconcileDestroy(action('expired'), [kept, be, other], now)).toEqual({
      kind: 'destroy',
      selection: { all: false, tenants: ['be'] },
      doomed: [be],
      reason: expiredNote,
      status: 'expired',
      closeComment: false,
    });
  });

  it('does nothing when every preview it named was kept or redeployed since the pass', () => {
    const kept = { ...fr, expiresAt: iso(now + 60_000) };
    const redeployed = { ...be, expiresAt: undefined };
    expect(planReconcileDestroy(action('expired'), [kept, redeployed], now)).toMatchObject({
      kind: 'skip',
    });
  });
});
