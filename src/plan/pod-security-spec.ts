/**
 * What the Pod Security checks read of a pod, and the phrasing they share.
 * The phrasing is Pod Security admission's own (k8s.io/pod-security-admission,
 * `policy/helpers.go`), so that an offline refusal reads as the API server's.
 */

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
}

interface HostHandler {
  httpGet?: { host?: string };
  tcpSocket?: { host?: string };
}

export interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
  livenessProbe?: HostHandler;
  readinessProbe?: HostHandler;
  startupProbe?: HostHandler;
  lifecycle?: { postStart?: HostHandler; preStop?: HostHandler };
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  os?: { name?: string };
  securityContext?: SecurityContext & { sysctls?: { name: string }[] };
  volumes?: ({ name: string } & Record<string, unknown>)[];
  initContainers?: Container[];
  containers?: Container[];
  ephemeralContainers?: Container[];
}

export interface PodMetadata {
  annotations?: Record<string, string>;
}

/** Why a pod breaks a check: the admission's reason and its detail. */
export interface Violation {
  reason: string;
  detail: string;
}

export interface PodSecurityCheck {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline checks that this restricted check replaces at the restricted level. */
  overrides?: string[];
  check: (metadata: PodMetadata, spec: PodSpec) => Violation | undefined;
}

export const quoted = (items: string[]) => (items.length ? `"${items.join('", "')}"` : '');
export const plural = (singular: string, many: string, count: number) =>
  count === 1 ? singular : many;
export const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
/** "container "a"" or "containers "a", "b"". */
export const containersNamed = (names: string[]) =>
  `${plural('container', 'containers', names.length)} ${quoted(names)}`;

function containersOf(spec: PodSpec): Container[] {
  return [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
}

/** Names of the containers for which `bad` holds, in the admission's order. */
export function containersWhere(spec: PodSpec, bad: (container: Container) => boolean): string[] {
  return containersOf(spec)
    .filter(bad)
    .map((container) => container.name);
}

export const isWindows = (spec: PodSpec) => spec.os?.name === 'windows';
/** A pod in a user namespace of its own (`hostUsers: false`), for which some checks relax. */
export const inUserNamespace = (spec: PodSpec) => spec.hostUsers === false;

/** "pod", "container "a"", or both joined with "and": who set a forbidden value. */
export function setters(podIsBad: boolean, containers: string[]): string | undefined {
  const who = [
    ...(podIsBad ? ['pod'] : []),
    ...(containers.length ? [containersNamed(containers)] : []),
  ];
  return who.length ? who.join(' and ') : undefined;
}

export const goodSeccomp = (type: string | undefined) =>
  type === 'RuntimeDefault' || type === 'Localhost';

/**
 * A seccomp profile set to anything but RuntimeDefault or Localhost, which
 * both levels refuse: by the pod, by these containers, as these types.
 */
export function forbiddenSeccomp(spec: PodSpec): Violation | undefined {
  const values: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  const podIsBad = podProfile !== undefined && !goodSeccomp(podProfile.type);
  if (podIsBad) values.push(podProfile?.type ?? '');
  const containers = containersWhere(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (profile === undefined || goodSeccomp(profile.type)) return false;
    values.push(profile.type ?? '');
    return true;
  });
  const who = setters(podIsBad, containers);
  return who
    ? {
        reason: 'seccompProfile',
        detail: `${who} must not set securityContext.seccompProfile.type to ${quoted(sorted(values))}`,
      }
    : undefined;
}

/** Any procMount but the default unmasks /proc. */
export function procMount(spec: PodSpec): Violation | undefined {
  const types: string[] = [];
  const containers = containersWhere(spec, (c) => {
    const mount = c.securityContext?.procMount;
    if (mount === undefined || mount === 'Default') return false;
    types.push(mount);
    return true;
  });
  return containers.length
    ? {
        reason: 'procMount',
        detail: `${containersNamed(containers)} must not set securityContext.procMount to ${quoted(sorted(types))}`,
      }
    : undefined;
}
