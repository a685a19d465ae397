import type { KubernetesObject } from '@kubernetes/client-node';
import { compareKinds } from './kind-order.ts';

/** Helm's hook events (`helm.sh/hook`); `test-success` is helm 2's name for `test`. */
export const hookEvents = [
  'pre-install',
  'post-install',
  'pre-upgrade',
  'post-upgrade',
  'pre-delete',
  'post-delete',
  'pre-rollback',
  'post-rollback',
  'test',
] as const;
export type HookEvent = (typeof hookEvents)[number];

export type DeletePolicy = 'before-hook-creation' | 'hook-succeeded' | 'hook-failed';

export const hookAnnotations = {
  events: 'helm.sh/hook',
  weight: 'helm.sh/hook-weight',
  deletePolicy: 'helm.sh/hook-delete-policy',
} as const;

export interface Hook {
  object: KubernetesObject;
  events: HookEvent[];
  weight: number;
  /** As written; none means `before-hook-creation`, as in helm. */
  deletePolicies: DeletePolicy[];
}

/** A render, split as helm splits a release. */
export interface ReleaseParts {
  /** The release's own objects, applied together and pruned when gone. */
  main: KubernetesObject[];
  /** Objects with a known `helm.sh/hook`. */
  hooks: Hook[];
  /** CustomResourceDefinitions, from `crds/` or templates: never created by a preview. */
  crds: KubernetesObject[];
  /** Objects whose `helm.sh/hook` names an event helm does not know; helm skips them too. */
  unknownHooks: { object: KubernetesObject; value: string }[];
}

/** Whether a deploy installs the release or upgrades it; decides which hooks run. */
export type ReleaseAction = 'install' | 'upgrade';

/**
 * A tenant is installed until a deploy of it has been recorded; from then on
 * every deploy is an upgrade, as `helm upgrade --install` decides from its
 * release history. A namespace on its way out, or deleted by a redeploy,
 * installs again.
 */
export function releaseAction(
  previous: { sha?: string | undefined; terminating?: boolean } | undefined,
): ReleaseAction {
  return previous?.sha && !previous.terminating ? 'upgrade' : 'install';
}

/** The hook events a deploy runs before and after applying the release. */
export function deployEvents(action: ReleaseAction): { pre: HookEvent; post: HookEvent } {
  return action === 'install'
    ? { pre: 'pre-install', post: 'post-install' }
    : { pre: 'pre-upgrade', post: 'post-upgrade' };
}

/** Events a preview never runs: no rollbacks, no post-delete (the namespace is gone), no tests. */
export const neverRun: readonly HookEvent[] = [
  'post-delete',
  'pre-rollback',
  'post-rollback',
  'test',
];

export function splitRelease(objects: KubernetesObject[]): ReleaseParts {
  const parts: ReleaseParts = { main: [], hooks: [], crds: [], unknownHooks: [] };
  for (const object of objects) {
    if (isCustomResourceDefinition(object)) {
      parts.crds.push(object);
      continue;
    }
    const annotations = object.metadata?.annotations ?? {};
    const value = annotations[hookAnnotations.events];
    if (value === undefined) {
      parts.main.push(object);
      continue;
    }
    const events = listed(value).map((event) => (event === 'test-success' ? 'test' : event));
    if (!events.every((event): event is HookEvent => hookEvents.includes(event as HookEvent))) {
      parts.unknownHooks.push({ object, value });
      continue;
    }
    parts.hooks.push({
      object,
      events,
      weight: weightOf(annotations[hookAnnotations.weight]),
      deletePolicies: listed(annotations[hookAnnotations.deletePolicy] ?? '').filter(
        (policy): policy is DeletePolicy =>
          policy === 'before-hook-creation' ||
          policy === 'hook-succeeded' ||
          policy === 'hook-failed',
      ),
    });
  }
  return parts;
}

/** The hooks of one event in the order they run: weight, then helm's kind order, then name. */
export function hooksFor(hooks: Hook[], event: HookEvent): Hook[] {
  return hooks
    .filter((hook) => hook.events.includes(event))
    .sort(
      (a, b) =>
        a.weight - b.weight ||
        compareKinds(a.object.kind ?? '', b.object.kind ?? '') ||
        compareNames(a.object, b.object),
    );
}

/** Hooks that no deploy or destroy of a preview ever runs. */
export function hooksNeverRun(hooks: Hook[]): Hook[] {
  return hooks.filter((hook) => hook.events.every((event) => neverRun.includes(event)));
}

/** Jobs and Pods run to completion, and a hook waits for them; other kinds are only created. */
export function runsToCompletion(object: KubernetesObject): boolean {
  return (
    (object.kind === 'Job' && object.apiVersion === 'batch/v1') ||
    (object.kind === 'Pod' && object.apiVersion === 'v1')
  );
}

export function hasDeletePolicy(hook: Hook, policy: DeletePolicy): boolean {
  if (hook.deletePolicies.length === 0) return policy === 'before-hook-creation';
  return hook.deletePolicies.includes(policy);
}

function isCustomResourceDefinition(object: KubernetesObject): boolean {
  return (
    object.kind === 'CustomResourceDefinition' &&
    (object.apiVersion ?? '').startsWith('apiextensions.k8s.io/')
  );
}

function listed(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** helm reads the weight with Atoi and takes 0 for anything else. */
function weightOf(value: string | undefined): number {
  if (value === undefined || !/^[-+]?\d+$/.test(value)) return 0;
  return Number.parseInt(value, 10);
}

function compareNames(a: KubernetesObject, b: KubernetesObject): number {
  const nameA = a.metadata?.name ?? '';
  const nameB = b.metadata?.name ?? '';
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}
