import { describe, expect, it } from 'vitest';
import { releaseClaims, repairClaims, reserveClaims, type Claims } from '../../src/plan/claims.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const caps = { perRepository: 2, total: 3 };
const want = (namespace: string, repositoryId: number, host: string, pullRequest = 1) => ({
  namespace,
  claim: { repositoryId, repository: `acme/r${repositoryId}`, pullRequest, host },
});

describe('reserveClaims', () => {
  it('reserves new previews in order, up to the caps for a repository and in all', () => {
    const { next, refused } = reserveClaims({
      current: {},
      wanted: [want('a', 1, 'a.x'), want('b', 1, 'b.x'), want('c', 1, 'c.x'), want('d', 2, 'd.x')],
      caps,
      now,
    });
    expect(Object.keys(next)).toEqual(['a', 'b', 'd']);
    expect(refused.get('c')).toBe(
      'this repository already has 2 previews, the most the app allows (2); destroy one with `/preview destroy`',
    );
    const full = reserveClaims({ current: next, wanted: [want('e', 3, 'e.x')], caps, now });
    expect(full.refused.get('e')).toBe(
      'the cluster already holds 3 previews, the most the app allows (3); try again when others are gone',
    );
  });

  it('never refuses a preview what it already holds, and keeps when it was claimed', () => {
    const first = reserveClaims({ current: {}, wanted: [want('a', 1, 'a.x')], caps, now });
    const again = reserveClaims({
      current: first.next,
      wanted: [want('a', 1, 'a.x')],
      caps: { perRepository: 1, total: 1 },
      now: now + 60_000,
    });
    expect(again.refused.size).toBe(0);
    expect(again.next.a?.at).toBe(now);
  });

  it("refuses a host or a namespace that another repository's preview holds, naming it", () => {
    const current = reserveClaims({
      current: {},
      wanted: [want('alpha-pr-5', 1, 'shared-5.x', 5)],
      caps,
      now,
    }).next;
    const { next, refused } = reserveClaims({
      current,
      wanted: [want('beta-pr-5', 2, 'shared-5.x', 5), want('alpha-pr-5', 2, 'other.x', 5)],
      caps,
      now,
    });
    expect(refused.get('beta-pr-5')).toBe(
      'host `shared-5.x` is already served by the preview of acme/r1#5 (namespace `alpha-pr-5`); give this repository a `host` template of its own in .github/preview.yml',
    );
    expect(refused.get('alpha-pr-5')).toBe(
      'namespace `alpha-pr-5` already belongs to acme/r1; give this repository a unique `app` in .github/preview.yml',
    );
    expect(next).toEqual(current);
  });
});

describe('releaseClaims and repairClaims', () => {
  const claim = (at: number) => ({
    repositoryId: 1,
    repository: 'acme/r1',
    pullRequest: 1,
    host: 'h',
    at,
  });

  it('lets go of a destroyed preview', () => {
    expect(releaseClaims({ a: claim(now), b: claim(now) }, ['a'])).toEqual({ b: claim(now) });
  });

  it('gives every live preview a claim and lets go of old claims whose namespace is gone', () => {
    const current: Claims = { gone: claim(now - 3_600_000), coming: claim(now - 10_000) };
    expect(
      repairClaims({
        current,
        live: [
          {
            namespace: 'older',
            claim: { repositoryId: 2, repository: 'acme/r2', pullRequest: 3, host: 'o' },
          },
        ],
        now,
        graceMs: 600_000,
      }),
    ).toEqual({
      coming: claim(now - 10_000),
      older: { repositoryId: 2, repository: 'acme/r2', pullRequest: 3, host: 'o', at: now },
    });
  });
});
