import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { allPreviewsSelector } from '../plan/targets.ts';
import type { Cluster, Metrics, WakeTrigger } from '../ports.ts';

/** Scrapes may come often and from several Prometheus servers: the cluster is asked at most this often. */
const activePreviewsTtlMs = 15_000;

/** `read`, called again only once its last answer is older than `ttlMs`; failures are not kept. */
export function recentFor<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttlMs) {
      const value = read();
      const entry = { at: Date.now(), value };
      last = entry;
      value.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.value;
  };
}

/** The app's Prometheus metrics, on its own registry. */
export class PreviewMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly deploys: Counter<'result'>;
  private readonly destroys: Counter<'result'>;
  private readonly deployDuration: Histogram<'result'>;
  private readonly rateLimit: Gauge;
  private rateLimitShown = false;
  private readonly reconcileErrors: Counter<'stage'>;
  private readonly wakes: Counter<'trigger'>;

  constructor(sources: {
    queueDepth: () => number;
    cluster: Cluster;
    outboxes: { depth: number; oldestAgeMs(): number };
  }) {
    const registers = [this.registry];
    const previews = recentFor(activePreviewsTtlMs, () =>
      sources.cluster.listPreviews(allPreviewsSelector),
    );
    collectDefaultMetrics({ register: this.registry, prefix: 'pr_preview_' });
    this.deploys = new Counter({
      name: 'pr_preview_deploys_total',
      help: 'Tenant deploys, by result',
      labelNames: ['result'],
      registers,
    });
    this.destroys = new Counter({
      name: 'pr_preview_destroys_total',
      help: 'Preview destroys, by result',
      labelNames: ['result'],
      registers,
    });
    this.deployDuration = new Histogram({
      name: 'pr_preview_deploy_duration_seconds',
      help: 'Time from the start of a tenant deploy to ready or failed',
      labelNames: ['result'],
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'pr_preview_reconcile_errors_total',
      help: 'Errors a reconcile pass survived: a repository it could not list, a repair it could not queue',
      labelNames: ['stage'],
      registers,
    });
    this.wakes = new Counter({
      name: 'pr_preview_wakes_total',
      help: 'Sleeping previews woken, by what woke them: a request for the host, a command, a deploy',
      labelNames: ['trigger'],
      registers,
    });
    for (const trigger of ['request', 'command', 'push'] as const) this.wakes.inc({ trigger }, 0);
    new Gauge({
      name: 'pr_preview_previews',
      help: 'Preview namespaces in the cluster, sleeping or awake',
      labelNames: ['state'],
      registers,
      async collect() {
        const current = await previews().catch(() => undefined);
        if (!current) return;
        const live = current.filter((p) => !p.terminating);
        const sleeping = live.filter((p) => p.sleepingSince).length;
        this.set({ state: 'sleeping' }, sleeping);
        this.set({ state: 'awake' }, live.length - sleeping);
      },
    });
    // Registered with the first answer that says it: a 0 before any call would read as exhausted.
    this.rateLimit = new Gauge({
      name: 'pr_preview_github_rate_limit_remaining',
      help: 'GitHub API requests left in the current window, as last seen',
      registers: [],
    });
    new Gauge({
      name: 'pr_preview_github_outbox_depth',
      help: 'GitHub writes waiting in the outbox (coalesced: one per comment or environment)',
      registers,
      collect() {
        this.set(sources.outboxes.depth);
      },
    });
    new Gauge({
      name: 'pr_preview_github_outbox_oldest_seconds',
      help: 'How long the oldest GitHub write in the outbox has waited',
      registers,
      collect() {
        this.set(sources.outboxes.oldestAgeMs() / 1000);
      },
    });
    new Gauge({
      name: 'pr_preview_queue_depth',
      help: 'Jobs queued or running',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'pr_preview_active_previews',
      help: 'Preview namespaces in the cluster, by tenant',
      labelNames: ['tenant'],
      registers,
      async collect() {
        // While the API server does not answer, the last count stands and the
        // rest of the metrics are still served.
        const current = await previews().catch(() => undefined);
        if (!current) return;
        this.reset();
        for (const preview of current.filter((p) => !p.terminating)) {
          this.inc({ tenant: preview.tenant ?? '' });
        }
      },
    });
  }

  deployFinished(result: 'success' | 'failure', seconds: number): void {
    this.deploys.inc({ result });
    this.deployDuration.observe({ result }, seconds);
  }

  destroyFinished(result: 'success' | 'failure', count: number): void {
    this.destroys.inc({ result }, count);
  }

  reconcileError(stage: 'list' | 'queue'): void {
    this.reconcileErrors.inc({ stage });
  }

  woke(trigger: WakeTrigger): void {
    this.wakes.inc({ trigger });
  }

  githubRateLimit(remaining: number): void {
    if (!this.rateLimitShown) {
      this.registry.registerMetric(this.rateLimit);
      this.rateLimitShown = true;
    }
    this.rateLimit.set(remaining);
  }
}
