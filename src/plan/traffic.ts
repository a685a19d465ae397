/**
 * Who is no visitor: requests of uptime checkers, crawlers and link
 * unfurlers get the waking page and wake nothing (the requests counted in
 * Prometheus are counted by backend, theirs included: see the README).
 * Matched case-insensitively anywhere in the User-Agent, as each names itself.
 */
export const defaultIgnoredUserAgents: readonly string[] = [
  // Uptime checkers and synthetic monitoring.
  'UptimeRobot',
  'Pingdom',
  'StatusCake',
  'Site24x7',
  'Better Uptime',
  'BetterStack',
  'Checkly',
  'Datadog/Synthetics',
  'NewRelicSynthetics',
  'GoogleStackdriverMonitoring',
  'Amazon-Route53-Health-Check',
  'kube-probe',
  'Prometheus',
  'Blackbox Exporter',
  // Crawlers.
  'Googlebot',
  'bingbot',
  'DuckDuckBot',
  'YandexBot',
  'Baiduspider',
  'Applebot',
  'AhrefsBot',
  'SemrushBot',
  'GPTBot',
  'ClaudeBot',
  // Link previews in chats and social sites.
  'Slackbot',
  'facebookexternalhit',
  'Twitterbot',
  'LinkedInBot',
  'Discordbot',
  'TelegramBot',
  'WhatsApp',
];

/** Whether a request of this User-Agent is a machine's that the list says is no visitor. */
export function isIgnoredUserAgent(
  userAgent: string | undefined,
  ignored: readonly string[],
): boolean {
  if (!userAgent) return false;
  const agent = userAgent.toLowerCase();
  return ignored.some((name) => agent.includes(name.toLowerCase()));
}

/**
 * The query that counts a preview's requests, by namespace, over a window:
 * for the haproxytech controller's metrics (HAProxy's own exporter), whose
 * backends are named `<namespace>_<service>_<port>`. `{window}` becomes the
 * window as Prometheus writes durations (e.g. `3600s`); every series must
 * carry a `namespace` label.
 */
export const defaultRequestsQuery =
  'sum by (namespace) (label_replace(increase(haproxy_backend_http_requests_total[{window}]), "namespace", "$1", "proxy", "^([^_]+)_.*"))';

/** The query for one window, in whole seconds (Prometheus' range selectors take no fractions). */
export function requestsQueryFor(template: string, windowMs: number): string {
  return template.replaceAll('{window}', `${Math.max(1, Math.round(windowMs / 1000))}s`);
}

/**
 * Requests by namespace from a Prometheus instant query's answer
 * (`/api/v1/query`, resultType vector). A namespace without a series had
 * none: HAProxy had no request for it in the window.
 */
export function requestsByNamespace(answer: unknown): Map<string, number> {
  const data = (answer as { status?: string; data?: { resultType?: string; result?: unknown } })
    ?.data;
  if ((answer as { status?: string })?.status !== 'success' || data?.resultType !== 'vector') {
    throw new Error('Prometheus did not answer with a vector');
  }
  const counts = new Map<string, number>();
  for (const series of (data.result ?? []) as {
    metric?: Record<string, string>;
    value?: unknown[];
  }[]) {
    const namespace = series.metric?.namespace;
    const value = Number(series.value?.[1]);
    if (!namespace) throw new Error('a series of the requests query has no `namespace` label');
    if (Number.isFinite(value)) counts.set(namespace, (counts.get(namespace) ?? 0) + value);
  }
  return counts;
}
