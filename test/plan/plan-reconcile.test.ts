import { describe, expect, it } from 'vitest';
import { planReconcile, type KnownRepository } from '../../src/plan/plan-reconcile.ts';
import type { ObservedPreview } from '../../src/ports.ts';

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
        pullRequest: 1,
        namespaces: ['a'],
        tenants: ['fr'],
        reason: 'app uninstalled',
      },
      {
        kind: 'destroy',
        pullRequest: 1,
        namespaces: ['b'],
        tenants: ['fr'],
        reason: 'repository removed',
      },
      {
        kind: 'destroy',
        repository: r,
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
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'label removed',
      },
    ]);
  });

  it('destroys expired previews', () => {
    const r = repo([labelled]);
    expect(
      planReconcile({
        now,
        installationIds: [100],
        repositories: [r],
        previews: [
          preview({ expiresAt: '2026-11-27T11:59:59Z' }),
          preview({ namespace: 'x', tenant: 'be', expiresAt: '2026-11-28T00:00:00Z' }),
        ],
      }),
    ).toEqual([
      {
        kind: 'destroy',
        repository: r,
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'expired',
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
        pullRequest: 1,
        namespaces: ['foo-pr-1-fr'],
        tenants: ['fr'],
        reason: 'pull request closed',
      },
    ]);
  });
});
