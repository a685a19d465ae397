import type { IngressRoutes, ObservedPreview, SleepRecord, WakeBackend } from '../ports.ts';
import { appObjects } from './app-objects.ts';

// Declared with the ports that take them (SleepRecord, Cluster.sleep); importable here as before.
export type { IngressRoutes, WakeBackend };

/** The operator's bounds on sleep, from the app's settings. */
export interface SleepPolicy {
  /** For repositories that say nothing. */
  defaultMs?: number;
  /** No preview stays idle and awake longer, whatever its repository says. */
  maxMs?: number;
  /** Where a sleeping preview's Ingress sends requests; without it nothing sleeps, as nothing could wake. */
  wake?: WakeBackend;
}

/** The Service through which a sleeping preview's Ingress reaches the app. */
export const wakeServiceName = appObjects.wakeService;

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

/**
 * An awake, settled preview with nothing done to it for its `sleepAfter`
 * and, when the platform's metrics were read (`requests`: each namespace's
 * requests within its own `sleepAfter`), nobody requesting it either. Without
 * them, idle is judged by the last deploy, command or wake alone.
 */
export function sleepDue(
  preview: ObservedPreview,
  now: number,
  requests?: ReadonlyMap<string, number>,
): boolean {
  if (preview.terminating || preview.sleepingSince || preview.deployingSha) return false;
  const active = lastActive(preview);
  if (preview.sleepAfterMs === undefined || active === undefined) return false;
  if (active + preview.sleepAfterMs > now) return false;
  return (requests?.get(preview.namespace) ?? 0) === 0;
}

/** One preview a sleep job puts to sleep, from `since`; `again`: it slept, and someone scaled it up by hand. */
export interface SleepStep {
  preview: ObservedPreview;
  since: string;
  again: boolean;
}

/**
 * What a sleep job does when it runs, which may be a while after the
 * reconciler planned it: a deploy or wake since then moved the idle time on,
 * so only previews still due sleep; one that sleeps already is put to sleep
 * again (its workloads may have been scaled up by hand), from when it fell asleep.
 */
export function planSleep(previews: readonly ObservedPreview[], now: number): SleepStep[] {
  const since = new Date(now).toISOString();
  return previews
    .filter((p) => !p.terminating && (p.sleepingSince !== undefined || sleepDue(p, now)))
    .map((preview) => ({
      preview,
      since: preview.sleepingSince ?? since,
      again: preview.sleepingSince !== undefined,
    }));
}

/** One preview a wake job works on: `asleep` wakes it; an awake one only counts as used. */
export interface WakeStep {
  preview: ObservedPreview;
  asleep: boolean;
}

/**
 * What a wake job does with each preview asked for: one that sleeps gets its
 * workloads and routes back; one awake already counts as used, so its idle
 * time starts again; one being destroyed is left alone.
 */
export function planWake(previews: readonly ObservedPreview[]): WakeStep[] {
  return previews
    .filter((p) => !p.terminating)
    .map((preview) => ({ preview, asleep: preview.sleepingSince !== undefined }));
}

/** A workload or Ingress as sleep sees it. */
export interface SleepingParts {
  /** `Kind/name` of each Deployment and StatefulSet, with its replicas now (absent: 1). */
  workloads: { key: string; replicas?: number }[];
  ingresses: { name: string; routes: IngressRoutes }[];
}

/**
 * What a sleep records: what a sleep recorded before (one repeated after a
 * hand scale-up keeps the first), then what is there now. A workload the
 * chart itself keeps at zero is not recorded: a wake leaves it so.
 */
export function sleepRecordFor(previous: SleepRecord | undefined, now: SleepingParts): SleepRecord {
  const replicas: Record<string, number> = {};
  for (const workload of now.workloads) {
    const recorded = previous?.replicas[workload.key];
    const current = workload.replicas ?? 1;
    if (recorded !== undefined) replicas[workload.key] = recorded;
    else if (current > 0) replicas[workload.key] = current;
  }
  const routes: Record<string, IngressRoutes> = {};
  for (const ingress of now.ingresses) {
    routes[ingress.name] = previous?.routes[ingress.name] ?? ingress.routes;
  }
  return { replicas, routes };
}

/**
 * The routes of a record that a wake may give back: every rule for the
 * preview's own host, every backend one of its Services (the admission
 * policy refuses the rest anyway). Undefined when they do not pass.
 */
export function routesToRestore(routes: IngressRoutes, host: string): IngressRoutes | undefined {
  const rules = routes.rules ?? [];
  const fits = rules.every(
    (rule) =>
      rule.host === host && (rule.http?.paths ?? []).every((path) => path.backend?.service?.name),
  );
  return fits ? { rules } : undefined;
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
  };
}
