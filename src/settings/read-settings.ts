import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { locateHelm } from '../deploy/helm-binary.ts';
import type { Backoff } from '../plan/failure-memory.ts';
import { fenceNames } from '../plan/fence-params.ts';
import type { Guardrails } from '../plan/guardrails.ts';
import type { SleepPolicy, WakeBackend } from '../plan/sleep.ts';
import { podSecurityLevels } from '../deploy/pod-security.ts';
import { githubWriteLimits, type WriteLimits } from '../github/write-budget.ts';
import { defaultNamespacePolicy, type NamespacePolicy } from '../deploy/namespace-policies.ts';
import type { PreviewCaps } from '../plan/claims.ts';
import { readAdmission, readGuardrails, type AdmissionSettings } from './fence-settings.ts';
import { readPorts } from './port-settings.ts';
import { readTrafficSettings, type TrafficSettings } from './traffic-settings.ts';
import {
  containerResource,
  dnsLabel,
  dnsSubdomain,
  quantity,
  quotaKey,
  SettingReader,
} from './setting-reader.ts';

/** The app's own settings, from its environment (never from a repository). */
export interface Settings {
  /** Parent domain of every preview host, e.g. preview.bar.com. */
  previewDomain: string;
  /**
   * This installation of the app among others on one cluster: its previews
   * carry it (`pr-preview.dev/instance`), and its admission policies apply to those.
   */
  instance: string;
  helmBin: string;
  /** Pull requests worked on at the same time. */
  concurrency: number;
  /** Charts rendered at the same time, across all pull requests and tenants. */
  renderConcurrency: number;
  /** Where smoke checks reach the ingress controller, e.g. http://haproxy.ingress.svc. */
  ingressUrl?: string;
  /** Between reconcile passes; 0 turns the reconciler off. */
  reconcileIntervalMs: number;
  /** Namespace of the Leases that coordinate replicas, and of the app's records. */
  leaseNamespace: string;
  /** How long SIGTERM waits for work in flight. */
  shutdownGraceMs: number;
  /** What a pull request may put into the cluster; never set by a repository. */
  guardrails: Guardrails;
  namespacePolicy: NamespacePolicy;
  admission: AdmissionSettings;
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
  /** Where the previews overview is served; absent, it is not. */
  overviewPort?: number;
  /** The address it listens on: loopback unless PREVIEW_OVERVIEW_HOST opens it. */
  overviewHost: string;
  /** How a preview in use is told from an idle one. */
  traffic: TrafficSettings;
}

const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Every setting, checked all at once: a bad environment is reported whole. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const read = new SettingReader(env);
  const previewDomain = read.raw('PREVIEW_DOMAIN')?.toLowerCase() ?? '';
  if (!previewDomain) {
    read.problem(
      'PREVIEW_DOMAIN is not set: it is the parent domain of preview hosts, e.g. preview.bar.com',
    );
  } else if (!dnsSubdomain.test(previewDomain)) {
    read.problem(`PREVIEW_DOMAIN \`${previewDomain}\` is not a DNS name`);
  }
  const ingressUrl = read.raw('PREVIEW_INGRESS_URL');
  if (ingressUrl && !/^https?:\/\/[^/\s]+\/?$/.test(ingressUrl)) {
    read.problem(`PREVIEW_INGRESS_URL must be http(s)://host[:port], got \`${ingressUrl}\``);
  }
  const leaseNamespace = read.raw('PREVIEW_LEASE_NAMESPACE') || podNamespace() || 'default';
  if (!dnsLabel.test(leaseNamespace)) {
    read.problem(`PREVIEW_LEASE_NAMESPACE \`${leaseNamespace}\` is not ${dnsLabel.what}`);
  }
  const instance = instanceSetting(read);
  const settings: Settings = {
    guardrails: readGuardrails(read),
    namespacePolicy: readNamespacePolicy(read, leaseNamespace, instance),
    admission: readAdmission(read),
    caps: {
      perRepository: read.count('PREVIEW_MAX_PER_REPOSITORY', 20),
      total: read.count('PREVIEW_MAX_TOTAL', 300),
    },
    ...secretsSetting(read),
    reconcileIntervalMs: read.duration('PREVIEW_RECONCILE_INTERVAL', '5m'),
    failureBackoff: {
      firstMs: read.duration('PREVIEW_FAILURE_BACKOFF', '5m'),
      maxMs: read.duration('PREVIEW_FAILURE_BACKOFF_MAX', '6h'),
    },
    shutdownGraceMs: read.duration('PREVIEW_SHUTDOWN_GRACE', '25s'),
    githubDeployments: read.switch('PREVIEW_GITHUB_DEPLOYMENTS', true),
    githubWrites: {
      spacingMs: githubWriteLimits.spacingMs,
      perMinute: read.count('PREVIEW_GITHUB_WRITES_PER_MINUTE', githubWriteLimits.perMinute),
      perHour: read.count('PREVIEW_GITHUB_WRITES_PER_HOUR', githubWriteLimits.perHour),
    },
    ...(read.raw('REDIS_URL') ? { redisUrl: read.raw('REDIS_URL') as string } : {}),
    sleep: sleepSetting(read),
    ...readPorts(read),
    traffic: readTrafficSettings(read),
    leaseNamespace,
    previewDomain,
    instance,
    helmBin: read.raw('HELM_BIN') || locateHelm(env),
    concurrency: read.count('PREVIEW_CONCURRENCY', 4),
    renderConcurrency: read.count('PREVIEW_RENDER_CONCURRENCY', 2),
    ...(ingressUrl ? { ingressUrl } : {}),
  };
  read.finish();
  return settings;
}

/**
 * Which installation this is: PREVIEW_INSTANCE, else the GitHub App's id
 * (installation ids, and so previews, belong to one App). A label value.
 */
function instanceSetting(read: SettingReader): string {
  const explicit = read.raw('PREVIEW_INSTANCE');
  const instance = explicit ?? `app-${read.raw('APP_ID') ?? 'unknown'}`;
  if (!/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(instance)) {
    read.problem(
      `PREVIEW_INSTANCE \`${instance}\` must be lowercase letters, digits, dots and inner dashes, at most 63`,
    );
  }
  return instance;
}

function readNamespacePolicy(
  read: SettingReader,
  appNamespace: string,
  instance: string,
): NamespacePolicy {
  const defaults = defaultNamespacePolicy;
  return {
    quota: read.map('PREVIEW_QUOTA', quantity, quotaKey) ?? defaults.quota,
    defaultRequest:
      read.map('PREVIEW_DEFAULT_REQUEST', quantity, containerResource) ?? defaults.defaultRequest,
    defaultLimit:
      read.map('PREVIEW_DEFAULT_LIMIT', quantity, containerResource) ?? defaults.defaultLimit,
    ingressNamespace: namespaceSetting(
      read,
      'PREVIEW_INGRESS_NAMESPACE',
      defaults.ingressNamespace,
    ),
    // Where the app runs: previews may not reach it.
    appNamespace,
    egressCidrs: read.cidrs('PREVIEW_EGRESS_CIDRS') ?? defaults.egressCidrs,
    clusterCidrs: read.cidrs('PREVIEW_CLUSTER_CIDRS') ?? defaults.clusterCidrs,
    dns: dnsSetting(read) ?? defaults.dns,
    podSecurity: read.choice('PREVIEW_POD_SECURITY', podSecurityLevels, defaults.podSecurity),
    // The chart names its own; outside it, one per instance, which the app installs.
    readerRole: read.raw('PREVIEW_READER_ROLE') ?? `${fenceNames(instance).prefix}-lookup`,
  };
}

function namespaceSetting(read: SettingReader, name: string, fallback: string): string {
  const value = read.raw(name) ?? fallback;
  if (!dnsLabel.test(value)) read.problem(`${name} \`${value}\` is not ${dnsLabel.what}`);
  return value;
}

/** `namespace/key=value[,key=value]`: where the cluster's DNS servers run. */
function dnsSetting(read: SettingReader): NamespacePolicy['dns'] | undefined {
  const value = read.raw('PREVIEW_DNS');
  if (value === undefined) return undefined;
  const match = /^([a-z0-9-]+)\/(.+)$/.exec(value);
  const labels = match?.[2]?.split(',').map((pair) => pair.split('=').map((p) => p.trim()));
  if (!match || !labels?.every((pair) => pair.length === 2 && pair[0] && pair[1])) {
    read.problem(
      `PREVIEW_DNS must be namespace/label=value of the cluster's DNS pods, e.g. kube-system/k8s-app=kube-dns; got \`${value}\``,
    );
    return undefined;
  }
  return { namespace: match[1] as string, podLabels: Object.fromEntries(labels) };
}

/** In a pod, the app keeps its Leases and records in its own namespace. */
function podNamespace(): string | undefined {
  try {
    return readFileSync(serviceAccountNamespaceFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function secretsSetting(read: SettingReader): { secrets?: { namespace: string; names: string[] } } {
  const names = read.list('PREVIEW_SECRETS');
  if (!names) return {};
  const namespace = read.raw('PREVIEW_SECRETS_NAMESPACE');
  if (!namespace) {
    read.problem(
      'PREVIEW_SECRETS needs PREVIEW_SECRETS_NAMESPACE, the namespace to copy them from',
    );
    return {};
  }
  return { secrets: { namespace, names } };
}

/**
 * `PREVIEW_SLEEP_AFTER` (default) and `PREVIEW_SLEEP_AFTER_MAX`, which need
 * `PREVIEW_WAKE_SERVICE` (`host[:port]`, port 80 by default): nothing may
 * sleep that no request could wake.
 */
function sleepSetting(read: SettingReader): SleepPolicy {
  const defaultMs = read.duration('PREVIEW_SLEEP_AFTER', '0') || undefined;
  const maxMs = read.duration('PREVIEW_SLEEP_AFTER_MAX', '0') || undefined;
  const service = read.raw('PREVIEW_WAKE_SERVICE');
  if (!service) {
    if (defaultMs || maxMs) {
      read.problem(
        `${defaultMs ? 'PREVIEW_SLEEP_AFTER' : 'PREVIEW_SLEEP_AFTER_MAX'} needs PREVIEW_WAKE_SERVICE: the app's Service (host[:port]) that the Ingress of a sleeping preview sends requests to`,
      );
    }
    return {};
  }
  const wake = wakeBackend(read, service);
  if (defaultMs && maxMs && defaultMs > maxMs) {
    read.problem('PREVIEW_SLEEP_AFTER may not be longer than PREVIEW_SLEEP_AFTER_MAX');
  }
  if (!wake) return {};
  return { wake, ...(defaultMs ? { defaultMs } : {}), ...(maxMs ? { maxMs } : {}) };
}

function wakeBackend(read: SettingReader, value: string): WakeBackend | undefined {
  const match =
    /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:(\d{1,5}))?$/.exec(
      value.toLowerCase(),
    );
  const port = Number(match?.[6] ?? '80');
  if (!match || port < 1 || port > 65535) {
    read.problem(
      `PREVIEW_WAKE_SERVICE must be the DNS name of the app's Service and an optional port, e.g. pr-preview.pr-preview.svc.cluster.local:80; got \`${value}\``,
    );
    return undefined;
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
