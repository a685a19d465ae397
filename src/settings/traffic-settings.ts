import { defaultIgnoredUserAgents, defaultRequestsQuery } from '../plan/traffic.ts';
import type { SettingReader } from './setting-reader.ts';

/** How the app tells a preview in use from an idle one. */
export interface TrafficSettings {
  /**
   * The platform's Prometheus and the query of requests per preview
   * namespace; without it, idle means no deploy, command or wake.
   */
  prometheus?: { url: string; query: string };
  /** User-Agents that are no visitors (see `isIgnoredUserAgent`). */
  ignoredUserAgents: string[];
}

/**
 * `PREVIEW_PROMETHEUS_URL` (http(s)://host[:port][/path]),
 * `PREVIEW_PROMETHEUS_QUERY` (with `{window}`, by `namespace`) and
 * `PREVIEW_IGNORED_USER_AGENTS` (comma-separated; `none` for none).
 */
export function readTrafficSettings(read: SettingReader): TrafficSettings {
  const ignoredUserAgents = read.listOrNone('PREVIEW_IGNORED_USER_AGENTS') ?? [
    ...defaultIgnoredUserAgents,
  ];
  const url = read.raw('PREVIEW_PROMETHEUS_URL');
  const query = read.raw('PREVIEW_PROMETHEUS_QUERY');
  if (!url) {
    if (query) {
      read.problem('PREVIEW_PROMETHEUS_QUERY needs PREVIEW_PROMETHEUS_URL, the Prometheus to ask');
    }
    return { ignoredUserAgents };
  }
  if (!/^https?:\/\/[^/\s@]+(\/\S*)?$/.test(url)) {
    read.problem(
      `PREVIEW_PROMETHEUS_URL must be http(s)://host[:port][/path], without credentials; got \`${url}\``,
    );
  }
  if (query !== undefined && !query.includes('{window}')) {
    read.problem(
      "PREVIEW_PROMETHEUS_QUERY must contain `{window}`, the range it counts requests over (each preview's sleepAfter)",
    );
  }
  return {
    prometheus: { url: url.replace(/\/+$/, ''), query: query ?? defaultRequestsQuery },
    ignoredUserAgents,
  };
}
