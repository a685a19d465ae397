import { defaultGuardrails } from '../deploy/guardrails/guardrails.ts';
import type { Guardrails } from '../plan/guardrails.ts';
import { neverAllowedKinds } from '../deploy/guardrails/service-rules.ts';
import { dnsSubdomain, qualifiedKey, type SettingReader } from './setting-reader.ts';

/**
 * The platform's fences of previews: what a chart may create, where its pods
 * may run, what the shared ingress controller may be told. The guardrails
 * say it on the pull request; the admission policies keep it in the API
 * server, from the same lists.
 */
export function readGuardrails(read: SettingReader): Guardrails {
  const defaults = defaultGuardrails;
  const allowedKinds = read.list('PREVIEW_ALLOWED_KINDS') ?? defaults.allowedKinds;
  const never = allowedKinds.filter((kind) => neverAllowedKinds.includes(kind));
  if (never.length > 0) {
    read.problem(
      `PREVIEW_ALLOWED_KINDS may not name ${never.join(', ')}: only the cluster's controllers write those, or a preview could send its Service's traffic anywhere`,
    );
  }
  const annotationKey = {
    test: (value: string) => qualifiedKey.test(value.replace(/\*$/, 'x')),
    what: 'an annotation key, or a prefix ending in *',
  };
  return {
    allowedKinds: allowedKinds.filter((kind) => !neverAllowedKinds.includes(kind)),
    allowedClusterRoles: read.list('PREVIEW_ALLOWED_CLUSTER_ROLES') ?? defaults.allowedClusterRoles,
    maxObjects: read.count('PREVIEW_MAX_OBJECTS', defaults.maxObjects),
    maxPreviewBytes: read.count('PREVIEW_MAX_PREVIEW_BYTES', defaults.maxPreviewBytes),
    maxDataBytes: read.count('PREVIEW_MAX_DATA_BYTES', defaults.maxDataBytes),
    ingress: {
      classes:
        read.checkedList('PREVIEW_INGRESS_CLASSES', dnsSubdomain) ?? defaults.ingress.classes,
      annotations:
        read.checkedList('PREVIEW_INGRESS_ANNOTATIONS', annotationKey) ??
        defaults.ingress.annotations,
      controllerPrefixes:
        read.checkedList('PREVIEW_CONTROLLER_ANNOTATION_PREFIXES', dnsSubdomain) ??
        defaults.ingress.controllerPrefixes,
    },
    placement: {
      tolerations:
        read.checkedList('PREVIEW_TOLERATIONS', qualifiedKey) ?? defaults.placement.tolerations,
      nodeSelectorKeys:
        read.checkedList('PREVIEW_NODE_SELECTOR_KEYS', qualifiedKey) ??
        defaults.placement.nodeSelectorKeys,
      priorityClasses:
        read.checkedList('PREVIEW_PRIORITY_CLASSES', dnsSubdomain) ??
        defaults.placement.priorityClasses,
      runtimeClasses:
        read.checkedList('PREVIEW_RUNTIME_CLASSES', dnsSubdomain) ??
        defaults.placement.runtimeClasses,
    },
    storageClasses:
      read.checkedList('PREVIEW_STORAGE_CLASSES', dnsSubdomain) ?? defaults.storageClasses,
  };
}

/** How the app and the cluster's admission policies meet. */
export interface AdmissionSettings {
  /**
   * `apply`: the app checks at start that its policies are installed and
   * installs what it may; `external`: the platform keeps fences of its own.
   */
  policies: 'apply' | 'external';
  /**
   * The ClusterRole that each preview namespace binds to the app
   * (RoleBinding `pr-preview-app`): its rights there, so that it holds what
   * a chart's Roles grant without `escalate`. Unset: the app's own rights.
   */
  namespaceRole?: string;
}

export function readAdmission(read: SettingReader): AdmissionSettings {
  const policies = read.choice('PREVIEW_ADMISSION_POLICIES', ['apply', 'external'], 'apply');
  const namespaceRole = read.checkedList('PREVIEW_NAMESPACE_ROLE', dnsSubdomain)?.[0];
  return { policies, ...(namespaceRole ? { namespaceRole } : {}) };
}
