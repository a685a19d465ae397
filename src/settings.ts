import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { durationMs } from './config/resolve-config.ts';
import { locateHelm } from './deploy/helm-binary.ts';
import { isCidr } from './deploy/network-policy.ts';
import type { Backoff } from './plan/failure-memory.ts';
import type { SleepPolicy, WakeBackend } from './plan/sleep.ts';
import { podSecurityLevels, type PodSecurityLevel } from './deploy/pod-security.ts';
import { defaultGuardrails, type Guardrails } from './deploy/guardrails.ts';
import { githubWriteLimits, type WriteLimits } from './github/write-budget.ts';
import {
  defaultNamespacePolicy,
  type NamespacePolicy,
  type PreviewCaps,
} from './deploy/namespace-policies.ts';

/** The app's own settings, from its environment (never from a repository). */
export interface Settings {
  /** Parent domain of every preview host, e.g. preview.bar.com. */
  previewDomain: string;
  helmBin: string;
  /** Pull requests worked on at the same time. */
  concurrency: number;
  /** Charts rendered at the same time, across all pull requests and tenants. */
  renderConcurrency: number;
  /** Where smoke checks reach the ingress controller, e.g. http://haproxy.ingress.svc. */
  ingressUrl?: string;
  /** Between reconcile passes; 0 turns the reconciler off. */
  reconcileIntervalMs: number;
  /** Namespace of the Leases that coordinate replicas. */
  leaseNamespace: string;
  /** How long SIGTERM waits for work in flight. */
  shutdownGraceMs: number;
  /** What a pull request may put into the cluster; never set by a repository. */
  guardrails: Guardrails;
  namespacePolicy: NamespacePolicy;
  caps: PreviewCaps;
  /** Secrets copied into every preview namespace, from a namespace of the app's. */
  secrets?: { namespace: string; names: string[] };
  /** How long the reconciler waits before it tries a failed commit again, doubling each time. */
  failureBackoff: Backoff;
  /** GitHub Deployments beside the sticky comment; off writes only the comment. */
  githubDeployments: boolean;
  /** What each installation may write to GitHub. */
  githubWrites: WriteLimits;
  /** Probot's REDIS_URL: with it, replicas pace their GitHub writes from one shared budget. */
  redisUrl?: string;
  /** When idle previews sleep, and the app's Service that wakes them. */
  sleep: SleepPolicy;
  /** Where the app answers requests for sleeping previews, when sleep is on. */
  wakePort: number;
}

const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const previewDomain = env.PREVIEW_DOMAIN?.trim().toLowerCase();
  if (!previewDomain) {
    throw new Error(
      'PREVIEW_DOMAIN is not set: it is the parent domain of preview hosts, e.g. preview.bar.com',
    );
  }
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(previewDomain)) {
    throw new Error(`PREVIEW_DOMAIN \`${previewDomain}\` is not a DNS name`);
  }
  const concurrency = Number(env.PREVIEW_CONCURRENCY ?? '4');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(
      `PREVIEW_CONCURRENCY must be a positive integer, got \`${env.PREVIEW_CONCURRENCY}\``,
    );
  }
  const ingressUrl = env.PREVIEW_INGRESS_URL?.trim() || undefined;
  if (ingressUrl && !/^https?:\/\/[^/\s]+\/?$/.test(ingressUrl)) {
    throw new Error(`PREVIEW_INGRESS_URL must be http(s)://host[:port], got \`${ingressUrl}\``);
  }
  const leaseNamespace = env.PREVIEW_LEASE_NAMESPACE?.trim() || podNamespace() || 'default';
  return {
    guardrails: {
      allowedKinds: listSetting(env, 'PREVIEW_ALLOWED_KINDS') ?? defaultGuardrails.allowedKinds,
      allowedClusterRoles:
        listSetting(env, 'PREVIEW_ALLOWED_CLUSTER_ROLES') ?? defaultGuardrails.allowedClusterRoles,
      maxObjects: countSetting(env, 'PREVIEW_MAX_OBJECTS', defaultGuardrails.maxObjects),
    },
    namespacePolicy: {
      quota: mapSetting(env, 'PREVIEW_QUOTA') ?? defaultNamespacePolicy.quota,
      defaultRequest:
        mapSetting(env, 'PREVIEW_DEFAULT_REQUEST') ?? defaultNamespacePolicy.defaultRequest,
      defaultLimit: mapSetting(env, 'PREVIEW_DEFAULT_LIMIT') ?? defaultNamespacePolicy.defaultLimit,
      ingressNamespace:
        env.PREVIEW_INGRESS_NAMESPACE?.trim() || defaultNamespacePolicy.ingressNamespace,
      // Where the app runs: previews may not reach it.
      appNamespace: leaseNamespace,
      egressCidrs: cidrsSetting(env, 'PREVIEW_EGRESS_CIDRS') ?? defaultNamespacePolicy.egressCidrs,
      clusterCidrs:
        cidrsSetting(env, 'PREVIEW_CLUSTER_CIDRS') ?? defaultNamespacePolicy.clusterCidrs,
      podSecurity: podSecuritySetting(env),
    },
    caps: {
      perRepository: countSetting(env, 'PREVIEW_MAX_PER_REPOSITORY', 20),
      total: countSetting(env, 'PREVIEW_MAX_TOTAL', 300),
    },
    ...secretsSetting(env),
    reconcileIntervalMs: durationSetting(env, 'PREVIEW_RECONCILE_INTERVAL', '5m'),
    failureBackoff: {
      firstMs: durationSetting(env, 'PREVIEW_FAILURE_BACKOFF', '5m'),
      maxMs: durationSetting(env, 'PREVIEW_FAILURE_BACKOFF_MAX', '6h'),
    },
    shutdownGraceMs: durationSetting(env, 'PREVIEW_SHUTDOWN_GRACE', '25s'),
    githubDeployments: switchSetting(env, 'PREVIEW_GITHUB_DEPLOYMENTS', true),
    githubWrites: {
      spacingMs: githubWriteLimits.spacingMs,
      perMinute: countSetting(env, 'PREVIEW_GITHUB_WRITES_PER_MINUTE', githubWriteLimits.perMinute),
      perHour: countSetting(env, 'PREVIEW_GITHUB_WRITES_PER_HOUR', githubWriteLimits.perHour),
    },
    ...(env.REDIS_URL?.trim() ? { redisUrl: env.REDIS_URL.trim() } : {}),
    sleep: sleepSetting(env),
    wakePort: portSetting(env, 'PREVIEW_WAKE_PORT', 3001),
    leaseNamespace,
    previewDomain,
    helmBin: env.HELM_BIN?.trim() || locateHelm(env),
    concurrency,
    renderConcurrency: countSetting(env, 'PREVIEW_RENDER_CONCURRENCY', 2),
    ...(ingressUrl ? { ingressUrl } : {}),
  };
}

function durationSetting(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const value = env[name]?.trim() || fallback;
  if (value === '0') return 0;
  if (!/^\d+(s|m|h|d)$/.test(value)) {
    throw new Error(
      `${name} must be a duration such as 30s or 5m (0 turns it off), got \`${value}\``,
    );
  }
  return durationMs(value);
}

/** In a pod, the app keeps its Leases in its own namespace. */
function podNamespace(): string | undefined {
  try {
    return readFileSync(serviceAccountNamespaceFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A comma-separated list; unset means the default. */
function listSetting(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** `key=value` pairs, comma-separated, such as `requests.cpu=2,pods=30`. */
function mapSetting(env: NodeJS.ProcessEnv, name: string): Record<string, string> | undefined {
  const items = listSetting(env, name);
  if (!items) return undefined;
  return Object.fromEntries(
    items.map((item) => {
      const [key, value] = item.split('=').map((part) => part.trim());
      if (!key || !value)
        throw new Error(`${name} takes key=value pairs separated by commas, got \`${item}\``);
      return [key, value];
    }),
  );
}

/**
 * The Pod Security level of previews: `baseline` unless the operator says
 * otherwise; `privileged` only when written out, never by a repository.
 */
function podSecuritySetting(env: NodeJS.ProcessEnv): PodSecurityLevel {
  const value = env.PREVIEW_POD_SECURITY?.trim() || defaultNamespacePolicy.podSecurity;
  if (!podSecurityLevels.includes(value as PodSecurityLevel)) {
    throw new Error(
      `PREVIEW_POD_SECURITY must be one of ${podSecurityLevels.join(', ')}, got \`${value}\``,
    );
  }
  return value as PodSecurityLevel;
}

/** A comma-separated list of CIDRs; `none` means an empty list. */
function cidrsSetting(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const items = listSetting(env, name);
  if (!items) return undefined;
  if (items.length === 1 && items[0] === 'none') return [];
  const bad = items.filter((item) => !isCidr(item));
  if (bad.length > 0) {
    throw new Error(
      `${name} takes CIDRs such as 10.0.0.0/8, separated by commas; not \`${bad.join(', ')}\``,
    );
  }
  return items;
}

/** `on` or `off`; unset means the default. */
function switchSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off, got \`${env[name]}\``);
}

function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const port = countSetting(env, name, fallback);
  if (port > 65535) throw new Error(`${name} must be a port number, got \`${port}\``);
  return port;
}

function countSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`${name} must be a positive integer, got \`${value}\``);
  return count;
}

function secretsSetting(env: NodeJS.ProcessEnv): {
  secrets?: { namespace: string; names: string[] };
} {
  const names = listSetting(env, 'PREVIEW_SECRETS');
  if (!names) return {};
  const namespace = env.PREVIEW_SECRETS_NAMESPACE?.trim();
  if (!namespace)
    throw new Error(
      'PREVIEW_SECRETS needs PREVIEW_SECRETS_NAMESPACE, the namespace to copy them from',
    );
  return { secrets: { namespace, names } };
}

/**
 * `PREVIEW_SLEEP_AFTER` (default) and `PREVIEW_SLEEP_AFTER_MAX`, which need
 * `PREVIEW_WAKE_SERVICE` (`host[:port]`, port 80 by default): nothing may
 * sleep that no request could wake.
 */
function sleepSetting(env: NodeJS.ProcessEnv): SleepPolicy {
  const defaultMs = durationSetting(env, 'PREVIEW_SLEEP_AFTER', '0') || undefined;
  const maxMs = durationSetting(env, 'PREVIEW_SLEEP_AFTER_MAX', '0') || undefined;
  const service = env.PREVIEW_WAKE_SERVICE?.trim();
  if (!service) {
    if (defaultMs || maxMs) {
      throw new Error(
        `${defaultMs ? 'PREVIEW_SLEEP_AFTER' : 'PREVIEW_SLEEP_AFTER_MAX'} needs PREVIEW_WAKE_SERVICE: the app's Service (host[:port]) that the Ingress of a sleeping preview sends requests to`,
      );
    }
    return {};
  }
  const wake = wakeBackend(service);
  if (defaultMs && maxMs && defaultMs > maxMs) {
    throw new Error('PREVIEW_SLEEP_AFTER may not be longer than PREVIEW_SLEEP_AFTER_MAX');
  }
  return { wake, ...(defaultMs ? { defaultMs } : {}), ...(maxMs ? { maxMs } : {}) };
}

function wakeBackend(value: string): WakeBackend {
  const match =
    /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:(\d{1,5}))?$/.exec(
      value.toLowerCase(),
    );
  const port = Number(match?.[6] ?? '80');
  if (!match || port < 1 || port > 65535) {
    throw new Error(
      `PREVIEW_WAKE_SERVICE must be the DNS name of the app's Service and an optional port, e.g. pr-preview.pr-preview.svc.cluster.local:80; got \`${value}\``,
    );
  }
  return { host: match[1] as string, port };
}

/**
 * A short digest of the settings that decide what a deploy does: a failed
 * commit is tried again at once when they change.
 */
export function settingsFingerprint(settings: Settings): string {
  const deciding = {
    previewDomain: settings.previewDomain,
    helmBin: settings.helmBin,
    guardrails: settings.guardrails,
    namespacePolicy: settings.namespacePolicy,
    caps: settings.caps,
    secrets: settings.secrets,
  };
  return createHash('sha256').update(JSON.stringify(deciding)).digest('hex').slice(0, 12);
}
