import { requestsByNamespace, requestsQueryFor } from '../plan/traffic.ts';
import type { PreviewTraffic } from '../ports.ts';

/** A query that takes longer is given up: the pass then judges idle without it. */
const queryTimeoutMs = 5_000;

/**
 * Requests per preview namespace, read from the platform's Prometheus with
 * one instant query per window (`/api/v1/query`).
 */
export class PrometheusTraffic implements PreviewTraffic {
  private readonly url: string;
  private readonly query: string;

  constructor(options: { url: string; query: string }) {
    this.url = options.url;
    this.query = options.query;
  }

  async requestsWithin(windowMs: number): Promise<Map<string, number>> {
    const body = new URLSearchParams({ query: requestsQueryFor(this.query, windowMs) });
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(queryTimeoutMs),
    });
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = (answer as { error?: string } | undefined)?.error;
      throw new Error(`Prometheus answered ${response.status}${error ? `: ${error}` : ''}`);
    }
    return requestsByNamespace(answer);
  }
}
