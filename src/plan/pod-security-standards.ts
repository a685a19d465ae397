import type { KubernetesObject } from '@kubernetes/client-node';
import type { PodSecurityLevel } from '../ports.ts';
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

/**
 * The pod an object makes, where Pod Security judges it: a Pod itself, or the
 * template of a workload (its pod spec extractor's kinds); undefined for others.
 */
export function podTemplateOf(
  object: KubernetesObject,
): { metadata: PodMetadata; spec: PodSpec } | undefined {
  interface Template {
    metadata?: PodMetadata;
    spec?: PodSpec;
  }
  const body = object as KubernetesObject & {
    spec?: PodSpec & { template?: Template; jobTemplate?: { spec?: { template?: Template } } };
    template?: Template;
  };
  const template: Template | undefined = (() => {
    switch (`${object.apiVersion}/${object.kind}`) {
      case 'v1/Pod':
        return { metadata: object.metadata, spec: body.spec };
      case 'v1/PodTemplate':
        return body.template;
      case 'v1/ReplicationController':
      case 'apps/v1/ReplicaSet':
      case 'apps/v1/Deployment':
      case 'apps/v1/StatefulSet':
      case 'apps/v1/DaemonSet':
      case 'batch/v1/Job':
        return body.spec?.template;
      case 'batch/v1/CronJob':
        return body.spec?.jobTemplate?.spec?.template;
      default:
        return undefined;
    }
  })();
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
