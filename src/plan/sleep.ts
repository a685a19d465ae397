import type { ObservedPreview } from '../ports.ts';

/** The operator's bounds on sleep, from the app's settings. */
export interface SleepPolicy {
  /** For repositories that say nothing. */
  defaultMs?: number;
  /** No preview stays idle and awake longer, whatever its repository says. */
  maxMs?: number;
  /** Where a sleeping preview's Ingress sends requests; without it nothing sleeps, as nothing could wake. */
  wake?: WakeBackend;
}

/** The app's Service, as an `ExternalName` Service in a preview namespace names it. */
export interface WakeBackend {
  /** DNS name of the app's Service, e.g. `pr-preview.pr-preview.svc.cluster.local`. */
  host: string;
  port: number;
}

/** The Service through which a sleeping preview's Ingress reaches the app. */
export const wakeServiceName = 'pr-preview-wake';

/**
 * How long a preview may be idle before it sleeps: the repository's
 * `sleepAfter` (or `off`), else the operator's default, never more than the
 * operator's maximum. Undefined: it never sleeps.
 */
export function sleepAfterMs(
  repository: number | 'off' | undefined,
  policy: SleepPolicy,
): number | undefined {
  if (!policy.wake) return undefined;
  const wanted = repository === 'off' ? undefined : (repository ?? policy.defaultMs);
  if (policy.maxMs === undefined) return wanted;
  return Math.min(wanted ?? policy.maxMs, policy.maxMs);
}

/** When the preview was last deployed or woken (ms since the epoch), if it says. */
export function lastActive(
  preview: Pick<ObservedPreview, 'activeAt' | 'wokenAt'>,
): number | undefined {
  const times = [preview.activeAt, preview.wokenAt]
    .map((at) => (at ? Date.parse(at) : NaN))
    .filter((ms) => Number.isFinite(ms));
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** An awake, settled preview with nothing done to it for its `sleepAfter`. */
export function sleepDue(preview: ObservedPreview, now: number): boolean {
  if (preview.terminating || preview.sleepingSince || preview.deployingSha) return false;
  const active = lastActive(preview);
  if (preview.sleepAfterMs === undefined || active === undefined) return false;
  return active + preview.sleepAfterMs <= now;
}

/**
 * What a workload records when it goes to sleep: the replicas it had, or
 * what it recorded before when it was scaled up by hand while asleep.
 * Undefined for a workload the chart itself keeps at zero: a wake leaves it so.
 */
export function replicasToRecord(current: {
  replicas?: number;
  recorded?: string;
}): string | undefined {
  if (current.recorded !== undefined && awakeReplicas(current.recorded) !== undefined) {
    return current.recorded;
  }
  const replicas = current.replicas ?? 1;
  return replicas > 0 ? String(replicas) : undefined;
}

/** The replicas a sleeping workload recorded; undefined when unreadable. */
export function awakeReplicas(recorded: string | undefined): number | undefined {
  if (recorded === undefined || !/^\d{1,6}$/.test(recorded)) return undefined;
  return Number(recorded);
}

interface Backend {
  service?: { name: string; port?: { name?: string; number?: number } };
  resource?: unknown;
}

/** The routing part of an Ingress spec: what sleep changes and a wake restores. */
export interface IngressRoutes {
  rules?: { host?: string; http?: { paths?: { backend?: Backend }[] } }[];
  defaultBackend?: Backend;
}

/**
 * The routes of a sleeping Ingress: hosts, paths and TLS as they were, every
 * backend the wake Service, so any request for the preview reaches the app.
 */
export function sleepingRoutes(routes: IngressRoutes, wake: WakeBackend): IngressRoutes {
  const backend = { service: { name: wakeServiceName, port: { number: wake.port } } };
  return {
    rules: (routes.rules ?? []).map((rule) =>
      rule.http
        ? {
            ...rule,
            http: {
              ...rule.http,
              paths: (rule.http.paths ?? []).map((path) => ({ ...path, backend })),
            },
          }
        : rule,
    ),
    ...(routes.defaultBackend ? { defaultBackend: backend } : {}),
  };
}
