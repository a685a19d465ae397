import type { KubernetesObject } from '@kubernetes/client-node';
import type { PodSecurityLevel } from '../ports.ts';
import { versionedKindOf } from './object-identity.ts';
import { baselineChecks } from './pod-security-baseline.ts';
import { restrictedChecks } from './pod-security-restricted.ts';
import type { PodMetadata, PodSecurityCheck, PodSpec } from './pod-security-spec.ts';

const byId = (a: PodSecurityCheck, b: PodSecurityCheck) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The checks of each level in the order Pod Security admission reports them:
 * baseline checks by id, then restricted ones by id; at restricted, the
 * baseline checks that a restricted one overrides are left out.
 */
const checksOf: Record<Exclude<PodSecurityLevel, 'privileged'>, PodSecurityCheck[]> = {
  baseline: [...baselineChecks].sort(byId),
  restricted: [
    ...baselineChecks
      .filter((check) => !restrictedChecks.some((r) => r.overrides?.includes(check.id)))
      .sort(byId),
    ...[...restrictedChecks].sort(byId),
  ],
};

/**
 * What a pod breaks at a level, as the API server words it after
 * `violates PodSecurity "<level>:latest": `, or undefined when it passes.
 */
export function podSecurityViolation(
  level: PodSecurityLevel,
  metadata: PodMetadata,
  spec: PodSpec,
): string | undefined {
  if (level === 'privileged') return undefined;
  const broken = checksOf[level].flatMap((check) => check.check(metadata, spec) ?? []);
  if (broken.length === 0) return undefined;
  return broken.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}

interface Template {
  metadata?: PodMetadata;
  spec?: PodSpec;
}

type PodBearer = KubernetesObject & {
  spec?: PodSpec & { template?: Template; jobTemplate?: { spec?: { template?: Template } } };
  template?: Template;
};

/**
 * Where each kind that makes pods keeps its pod, by `apiVersion/Kind`: the
 * kinds of Pod Security's pod spec extractor, and the only list of them.
 */
const podTemplateAt: Record<string, (object: PodBearer) => Template | undefined> = {
  'v1/Pod': (object) => ({ metadata: object.metadata, spec: object.spec }),
  'v1/PodTemplate': (object) => object.template,
  'v1/ReplicationController': (object) => object.spec?.template,
  'apps/v1/ReplicaSet': (object) => object.spec?.template,
  'apps/v1/Deployment': (object) => object.spec?.template,
  'apps/v1/StatefulSet': (object) => object.spec?.template,
  'apps/v1/DaemonSet': (object) => object.spec?.template,
  'batch/v1/Job': (object) => object.spec?.template,
  'batch/v1/CronJob': (object) => object.spec?.jobTemplate?.spec?.template,
};

/** Whether Pod Security judges the object's pods: whether it is of a kind that makes them. */
export function bearsPods(object: KubernetesObject): boolean {
  return Object.hasOwn(podTemplateAt, versionedKindOf(object));
}

/**
 * The pod an object makes, where Pod Security judges it: a Pod itself, or the
 * template of a workload; undefined for other kinds and for a workload without one.
 */
export function podTemplateOf(
  object: KubernetesObject,
): { metadata: PodMetadata; spec: PodSpec } | undefined {
  const template = bearsPods(object)
    ? podTemplateAt[versionedKindOf(object)]?.(object as PodBearer)
    : undefined;
  if (!template?.spec) return undefined;
  return { metadata: template.metadata ?? {}, spec: template.spec };
}

/** Each object whose pod breaks the level, and what it breaks. */
export function podSecurityFindings(
  objects: KubernetesObject[],
  level: PodSecurityLevel,
): { object: KubernetesObject; violation: string }[] {
  return objects.flatMap((object) => {
    const pod = podTemplateOf(object);
    const violation = pod && podSecurityViolation(level, pod.metadata, pod.spec);
    return violation ? [{ object, violation }] : [];
  });
}
