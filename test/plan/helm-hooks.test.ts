import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  deployEvents,
  hasDeletePolicy,
  hooksFor,
  hooksNeverRun,
  releaseAction,
  runsToCompletion,
  splitRelease,
} from '../../src/plan/helm-hooks.ts';
import { compareKinds } from '../../src/plan/kind-order.ts';

function object(
  kind: string,
  name: string,
  annotations?: Record<string, string>,
  apiVersion = kind === 'Job' ? 'batch/v1' : 'v1',
): KubernetesObject {
  return { apiVersion, kind, metadata: { name, ...(annotations ? { annotations } : {}) } };
}

const hook = (events: string, weight?: string, policy?: string) => ({
  'helm.sh/hook': events,
  ...(weight === undefined ? {} : { 'helm.sh/hook-weight': weight }),
  ...(policy === undefined ? {} : { 'helm.sh/hook-delete-policy': policy }),
});

const names = (hooks: { object: KubernetesObject }[]) =>
  hooks.map((h) => `${h.object.kind}/${h.object.metadata?.name}`);

describe('splitRelease', () => {
  it('separates the release, its hooks, its CRDs and hooks of unknown events, as helm does', () => {
    const parts = splitRelease([
      object('Deployment', 'web', { 'app.kubernetes.io/part-of': 'x' }, 'apps/v1'),
      object(
        'Job',
        'migrate',
        hook('pre-install, Pre-Upgrade', '-5', 'hook-succeeded,hook-failed'),
      ),
      object('Pod', 'smoke', hook('test-success')),
      object(
        'CustomResourceDefinition',
        'widgets.example.com',
        undefined,
        'apiextensions.k8s.io/v1',
      ),
      object('Job', 'legacy', hook('crd-install')),
      object('ConfigMap', 'plain'),
    ]);
    expect(names(parts.main.map((o) => ({ object: o })))).toEqual([
      'Deployment/web',
      'ConfigMap/plain',
    ]);
    expect(parts.hooks).toEqual([
      {
        object: expect.objectContaining({ kind: 'Job' }),
        events: ['pre-install', 'pre-upgrade'],
        weight: -5,
        deletePolicies: ['hook-succeeded', 'hook-failed'],
      },
      {
        object: expect.objectContaining({ kind: 'Pod' }),
        events: ['test'],
        weight: 0,
        deletePolicies: [],
      },
    ]);
    expect(parts.crds.map((c) => c.metadata?.name)).toEqual(['widgets.example.com']);
    expect(parts.unknownHooks).toEqual([
      { object: expect.objectContaining({ kind: 'Job' }), value: 'crd-install' },
    ]);
  });

  it.each([
    ['5', 5],
    ['-10', -10],
    ['+3', 3],
    [' 5', 0],
    ['1.5', 0],
    ['heavy', 0],
  ])('reads the weight %j as helm (Atoi, else 0) reads it: %d', (weight, expected) => {
    const [parsed] = splitRelease([object('Job', 'j', hook('post-install', weight))]).hooks;
    expect(parsed?.weight).toBe(expected);
  });
});

describe('hooksFor', () => {
  const hooks = splitRelease([
    object('Job', 'b-job', hook('pre-install', '0')),
    object('Job', 'a-job', hook('pre-install', '0')),
    object('ServiceAccount', 'z-account', hook('pre-install', '0')),
    object('ConfigMap', 'settings', hook('pre-install', '-1')),
    object('Secret', 'late', hook('pre-install', '10')),
    object('Widget', 'custom', hook('pre-install', '0'), 'example.com/v1'),
    object('Job', 'upgrade-only', hook('pre-upgrade')),
    object('Job', 'after', hook('post-install,post-upgrade')),
  ]).hooks;

  it('orders one event by weight, then helm kind order, then name; unknown kinds last', () => {
    expect(names(hooksFor(hooks, 'pre-install'))).toEqual([
      'ConfigMap/settings',
      'ServiceAccount/z-account',
      'Job/a-job',
      'Job/b-job',
      'Widget/custom',
      'Secret/late',
    ]);
  });

  it('picks only the hooks of the event', () => {
    expect(names(hooksFor(hooks, 'pre-upgrade'))).toEqual(['Job/upgrade-only']);
    expect(names(hooksFor(hooks, 'post-upgrade'))).toEqual(['Job/after']);
    expect(hooksFor(hooks, 'pre-delete')).toEqual([]);
  });
});

describe('install or upgrade', () => {
  it.each([
    [undefined, 'install'],
    [{}, 'install'],
    [{ sha: undefined }, 'install'],
    [{ sha: 'abc' }, 'upgrade'],
    [{ sha: 'abc', terminating: true }, 'install'],
  ] as const)('a tenant recorded as %j deploys as an %s', (previous, action) => {
    expect(releaseAction(previous)).toBe(action);
  });

  it('runs install hooks on an install and upgrade hooks on an upgrade', () => {
    expect(deployEvents('install')).toEqual({ pre: 'pre-install', post: 'post-install' });
    expect(deployEvents('upgrade')).toEqual({ pre: 'pre-upgrade', post: 'post-upgrade' });
  });
});

describe('what never runs and how hooks end', () => {
  it('never runs post-delete, rollback or test hooks, but runs a hook that also has a deploy event', () => {
    const hooks = splitRelease([
      object('Job', 'cleanup', hook('post-delete')),
      object('Job', 'rollback', hook('pre-rollback,post-rollback')),
      object('Pod', 'test', hook('test')),
      object('Job', 'both', hook('post-delete,post-install')),
      object('Job', 'teardown', hook('pre-delete')),
    ]).hooks;
    expect(names(hooksNeverRun(hooks))).toEqual(['Job/cleanup', 'Job/rollback', 'Pod/test']);
  });

  it('takes before-hook-creation when no delete policy is given, as helm does', () => {
    const [none, given] = splitRelease([
      object('Job', 'a', hook('pre-install')),
      object('Job', 'b', hook('pre-install', '0', 'hook-succeeded')),
    ]).hooks;
    expect(hasDeletePolicy(none!, 'before-hook-creation')).toBe(true);
    expect(hasDeletePolicy(none!, 'hook-succeeded')).toBe(false);
    expect(hasDeletePolicy(given!, 'before-hook-creation')).toBe(false);
    expect(hasDeletePolicy(given!, 'hook-succeeded')).toBe(true);
  });

  it('waits for Jobs and Pods only', () => {
    expect(runsToCompletion(object('Job', 'j'))).toBe(true);
    expect(runsToCompletion(object('Pod', 'p'))).toBe(true);
    expect(runsToCompletion(object('ConfigMap', 'c'))).toBe(false);
    expect(runsToCompletion(object('Job', 'j', undefined, 'example.com/v1'))).toBe(false);
  });
});

describe('compareKinds', () => {
  it('follows helm install order and puts unknown kinds last, by name', () => {
    const kinds = ['Ingress', 'Widget', 'Job', 'Namespace', 'Apple', 'Secret', 'Deployment'];
    expect(kinds.sort(compareKinds)).toEqual([
      'Namespace',
      'Secret',
      'Deployment',
      'Job',
      'Ingress',
      'Apple',
      'Widget',
    ]);
  });
});
