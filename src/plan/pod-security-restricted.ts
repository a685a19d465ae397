import {
  containersNamed,
  containersWhere,
  forbiddenSeccomp,
  inUserNamespace,
  isWindows,
  plural,
  procMount,
  quoted,
  setters,
  sorted,
  type PodSecurityCheck,
} from './pod-security-spec.ts';

/**
 * The restricted level of the Pod Security Standards, latest version, beyond
 * the baseline checks it keeps (k8s.io/pod-security-admission v0.37; documented
 * at https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
 * Windows pods (`os.name: windows`) are exempt from the Linux-only checks, and
 * pods in a user namespace of their own (`hostUsers: false`) may run as root.
 */

/** Volume sources the restricted level allows; a volume without a source is defaulted to emptyDir. */
const restrictedVolumeSources = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const otherVolumeSources = new Set([
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
]);

export const restrictedChecks: PodSecurityCheck[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    check: (_, spec) => {
      if (isWindows(spec)) return undefined;
      const containers = containersWhere(
        spec,
        (c) => c.securityContext?.allowPrivilegeEscalation !== false,
      );
      return containers.length
        ? {
            reason: 'allowPrivilegeEscalation != false',
            detail: `${containersNamed(containers)} must set securityContext.allowPrivilegeEscalation=false`,
          }
        : undefined;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    check: (_, spec) => {
      if (isWindows(spec)) return undefined;
      const added: string[] = [];
      const missingDropAll = containersWhere(
        spec,
        (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'),
      );
      const adding = containersWhere(spec, (c) => {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter(
          (cap) => cap !== 'NET_BIND_SERVICE',
        );
        added.push(...extra);
        return extra.length > 0;
      });
      const details = [
        ...(missingDropAll.length
          ? [
              `${containersNamed(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`,
            ]
          : []),
        ...(adding.length
          ? [
              `${containersNamed(adding)} must not include ${quoted(sorted(added))} in securityContext.capabilities.add`,
            ]
          : []),
      ];
      return details.length
        ? { reason: 'unrestricted capabilities', detail: details.join('; ') }
        : undefined;
    },
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    // Unmasked /proc stays forbidden at restricted, user namespace or not.
    overrides: ['procMount'],
    check: (_, spec) => procMount(spec),
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    check: (_, spec) => {
      const types: string[] = [];
      const volumes = (spec.volumes ?? []).filter((volume) => {
        const sources = Object.keys(volume).filter((key) => key !== 'name');
        if (sources.length === 0 || sources.some((s) => restrictedVolumeSources.has(s))) {
          return false;
        }
        types.push(sources.find((s) => otherVolumeSources.has(s)) ?? 'unknown');
        return true;
      });
      if (volumes.length === 0) return undefined;
      const names = volumes.map((v) => v.name);
      const list = sorted(types);
      return {
        reason: 'restricted volume types',
        detail: `${plural('volume', 'volumes', names.length)} ${quoted(names)} ${plural('uses', 'use', names.length)} ${plural('restricted volume type', 'restricted volume types', list.length)} ${quoted(list)}`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    check: (_, spec) => {
      if (inUserNamespace(spec)) return undefined;
      const pod = spec.securityContext?.runAsNonRoot;
      const explicit = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
      const who = setters(pod === false, explicit);
      if (who) {
        return {
          reason: 'runAsNonRoot != true',
          detail: `${who} must not set securityContext.runAsNonRoot=false`,
        };
      }
      const implicit = containersWhere(
        spec,
        (c) => c.securityContext?.runAsNonRoot === undefined && pod !== true,
      );
      return implicit.length
        ? {
            reason: 'runAsNonRoot != true',
            detail: `pod or ${containersNamed(implicit)} must set securityContext.runAsNonRoot=true`,
          }
        : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    check: (_, spec) => {
      if (inUserNamespace(spec)) return undefined;
      const who = setters(
        spec.securityContext?.runAsUser === 0,
        containersWhere(spec, (c) => c.securityContext?.runAsUser === 0),
      );
      return who ? { reason: 'runAsUser=0', detail: `${who} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    check: (_, spec) => {
      if (isWindows(spec)) return undefined;
      const forbidden = forbiddenSeccomp(spec);
      if (forbidden) return forbidden;
      const podIsSet = spec.securityContext?.seccompProfile !== undefined;
      const implicit = containersWhere(
        spec,
        (c) => c.securityContext?.seccompProfile === undefined && !podIsSet,
      );
      return implicit.length
        ? {
            reason: 'seccompProfile',
            detail: `pod or ${containersNamed(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
          }
        : undefined;
    },
  },
];
