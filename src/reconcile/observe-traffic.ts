import { sleepDue } from '../plan/sleep.ts';
import type { Logger, ObservedPreview, PreviewTraffic } from '../ports.ts';

/**
 * The requests of each preview that would sleep by its last deploy, command
 * or wake alone, each counted over its own `sleepAfter` (one query per
 * distinct window). Undefined when there is no Prometheus to ask, or it
 * failed: the pass then judges idle without traffic, and says so.
 */
export async function requestsOfSleepCandidates(params: {
  traffic: PreviewTraffic | undefined;
  previews: ObservedPreview[];
  now: number;
  logger: Logger;
}): Promise<Map<string, number> | undefined> {
  const { traffic, logger } = params;
  const candidates = params.previews.filter((p) => sleepDue(p, params.now));
  if (!traffic || candidates.length === 0) return undefined;
  const windows = new Map<number, ObservedPreview[]>();
  for (const preview of candidates) {
    const window = preview.sleepAfterMs as number;
    windows.set(window, [...(windows.get(window) ?? []), preview]);
  }
  try {
    const requests = new Map<string, number>();
    let series = 0;
    for (const [window, previews] of windows) {
      const counted = await traffic.requestsWithin(window);
      series += counted.size;
      for (const { namespace } of previews) requests.set(namespace, counted.get(namespace) ?? 0);
    }
    // A live ingress controller always has some backend: none at all is a query that finds nothing.
    if (series === 0) {
      logger.warn(
        { previews: candidates.map((p) => p.namespace) },
        'Prometheus counts no requests for any namespace (check PREVIEW_PROMETHEUS_QUERY): idle is judged by the last deploy, command or wake this pass',
      );
      return undefined;
    }
    return requests;
  } catch (error) {
    logger.warn(
      { err: error, previews: candidates.map((p) => p.namespace) },
      'could not read requests from Prometheus: idle is judged by the last deploy, command or wake this pass',
    );
    return undefined;
  }
}
