// Requests to previews: counted by the platform's metrics, sent by the smoke
// check. Adapters: deploy/prometheus-traffic.ts, deploy/http-smoke-probe.ts.

/** Requests per preview namespace, from the platform's metrics. */
export interface PreviewTraffic {
  /** Each namespace's requests over the last `windowMs`; one not in the map had none. */
  requestsWithin(windowMs: number): Promise<Map<string, number>>;
}

/** An HTTP request for a preview host through the ingress controller. */
export interface SmokeProbe {
  probe(host: string, path: string): Promise<{ status: number } | { error: string }>;
}
