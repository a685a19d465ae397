import {
  containersNamed,
  containersWhere,
  forbiddenSeccomp,
  goodSeccomp,
  inUserNamespace,
  plural,
  procMount,
  quoted,
  setters,
  sorted,
  type PodSecurityCheck,
  type SecurityContext,
} from './pod-security-spec.ts';

/**
 * The baseline level of the Pod Security Standards, latest version, check by
 * check as Pod Security admission runs them (k8s.io/pod-security-admission
 * v0.37, `policy/check_*.go`); the rules are documented at
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline.
 */

const defaultCapabilities = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const allowedSysctls = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
  'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat',
]);

const allowedSeLinuxTypes = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

const appArmorAnnotationPrefix = 'container.apparmor.security.beta.kubernetes.io/';
const goodAppArmor = goodSeccomp;
const goodAppArmorAnnotation = (value: string) =>
  value === '' || value === 'runtime/default' || value.startsWith('localhost/');

export const baselineChecks: PodSecurityCheck[] = [
  {
    id: 'appArmorProfile',
    level: 'baseline',
    check: (metadata, spec) => {
      const values: string[] = [];
      const podProfile = spec.securityContext?.appArmorProfile;
      const podIsBad = podProfile !== undefined && !goodAppArmor(podProfile.type);
      if (podIsBad) values.push(podProfile?.type ?? '');
      const containers = containersWhere(spec, (c) => {
        const profile = c.securityContext?.appArmorProfile;
        if (profile === undefined || goodAppArmor(profile.type)) return false;
        values.push(profile.type ?? '');
        return true;
      });
      const annotations = Object.entries(metadata.annotations ?? {})
        .filter(
          ([key, value]) =>
            key.startsWith(appArmorAnnotationPrefix) && !goodAppArmorAnnotation(value),
        )
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .sort();
      const who = [
        setters(podIsBad, containers),
        annotations.length ? plural('annotation', 'annotations', annotations.length) : undefined,
      ].filter(Boolean);
      if (who.length === 0) return undefined;
      const all = [...sorted(values), ...annotations];
      return {
        reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', all.length),
        detail: `${who.join(' and ')} must not set AppArmor profile type to ${quoted(all)}`,
      };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    check: (_, spec) => {
      const added: string[] = [];
      const containers = containersWhere(spec, (c) => {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter(
          (cap) => !defaultCapabilities.has(cap),
        );
        added.push(...extra);
        return extra.length > 0;
      });
      if (containers.length === 0) return undefined;
      return {
        reason: 'non-default capabilities',
        detail: `${containersNamed(containers)} must not include ${quoted(sorted(added))} in securityContext.capabilities.add`,
      };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    check: (_, spec) => {
      const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter(
        (key) => spec[key] === true,
      );
      return shared.length
        ? { reason: 'host namespaces', detail: shared.map((key) => `${key}=true`).join(', ') }
        : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    check: (_, spec) => {
      const volumes = (spec.volumes ?? [])
        .filter((v) => v.hostPath !== undefined)
        .map((v) => v.name);
      return volumes.length
        ? {
            reason: 'hostPath volumes',
            detail: `${plural('volume', 'volumes', volumes.length)} ${quoted(volumes)}`,
          }
        : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    check: (_, spec) => {
      const ports: string[] = [];
      const containers = containersWhere(spec, (c) => {
        const used = (c.ports ?? [])
          .filter((p) => (p.hostPort ?? 0) !== 0)
          .map((p) => String(p.hostPort));
        ports.push(...used);
        return used.length > 0;
      });
      if (containers.length === 0) return undefined;
      const list = sorted(ports);
      return {
        reason: 'hostPort',
        detail: `${containersNamed(containers)} ${plural('uses', 'use', containers.length)} ${plural('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
      };
    },
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    check: (_, spec) => {
      const hosts: string[] = [];
      const containers = containersWhere(spec, (c) => {
        const handlers = [
          c.livenessProbe,
          c.readinessProbe,
          c.startupProbe,
          c.lifecycle?.postStart,
          c.lifecycle?.preStop,
        ];
        const used = handlers
          .flatMap((h) => [h?.httpGet?.host, h?.tcpSocket?.host])
          .filter((host): host is string => !!host);
        hosts.push(...used);
        return used.length > 0;
      });
      if (containers.length === 0) return undefined;
      const names = sorted(containers);
      const list = sorted(hosts);
      return {
        reason: 'probe or lifecycle host',
        detail: `${containersNamed(names)} ${plural('uses', 'use', names.length)} ${plural('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${quoted(list)}`,
      };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    check: (_, spec) => {
      const containers = containersWhere(spec, (c) => c.securityContext?.privileged === true);
      return containers.length
        ? {
            reason: 'privileged',
            detail: `${containersNamed(containers)} must not set securityContext.privileged=true`,
          }
        : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    // Unmasked /proc is allowed in a user namespace of the pod's own (1.35).
    check: (_, spec) => (inUserNamespace(spec) ? undefined : procMount(spec)),
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    check: (_, spec) => {
      const types: string[] = [];
      let user = false;
      let role = false;
      const bad = (options: SecurityContext['seLinuxOptions']) => {
        if (!options) return false;
        const typeIsBad = !allowedSeLinuxTypes.has(options.type ?? '');
        if (typeIsBad) types.push(options.type ?? '');
        user ||= !!options.user;
        role ||= !!options.role;
        return typeIsBad || !!options.user || !!options.role;
      };
      const podIsBad = bad(spec.securityContext?.seLinuxOptions);
      const who = setters(
        podIsBad,
        containersWhere(spec, (c) => bad(c.securityContext?.seLinuxOptions)),
      );
      if (!who) return undefined;
      const list = sorted(types);
      const what = [
        ...(list.length ? [`${plural('type', 'types', list.length)} ${quoted(list)}`] : []),
        ...(user ? ['user may not be set'] : []),
        ...(role ? ['role may not be set'] : []),
      ];
      return {
        reason: 'seLinuxOptions',
        detail: `${who} set forbidden securityContext.seLinuxOptions: ${what.join('; ')}`,
      };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    check: (_, spec) => forbiddenSeccomp(spec),
  },
  {
    id: 'sysctls',
    level: 'baseline',
    check: (_, spec) => {
      const forbidden = (spec.securityContext?.sysctls ?? [])
        .map((s) => s.name)
        .filter((name) => !allowedSysctls.has(name));
      return forbidden.length
        ? { reason: 'forbidden sysctls', detail: forbidden.join(', ') }
        : undefined;
    },
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    check: (_, spec) => {
      const podIsBad = spec.securityContext?.windowsOptions?.hostProcess === true;
      const who = setters(
        podIsBad,
        containersWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true),
      );
      return who
        ? {
            reason: 'hostProcess',
            detail: `${who} must not set securityContext.windowsOptions.hostProcess=true`,
          }
        : undefined;
    },
  },
];
