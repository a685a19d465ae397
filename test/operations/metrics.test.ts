import { describe, expect, it, vi } from 'vitest';
import { PreviewMetrics, recentFor } from '../../src/operations/metrics.ts';
import type { Cluster, ObservedPreview } from '../../src/ports.ts';

function metricsWith(listPreviews: () => Promise<Partial<ObservedPreview>[]>) {
  const cluster = { listPreviews: vi.fn(listPreviews) } as unknown as Cluster;
  const outboxes = { depth: 5, oldestAgeMs: () => 2500 };
  return { metrics: new PreviewMetrics({ queueDepth: () => 3, cluster, outboxes }), cluster };
}

describe('PreviewMetrics', () => {
  it('counts live previews by tenant', async () => {
    const { metrics } = metricsWith(async () => [
      { tenant: 'fr', terminating: false },
      { tenant: 'fr', terminating: false },
      { tenant: 'be', terminating: true },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('pr_preview_active_previews{tenant="fr"} 2');
    expect(text).not.toContain('tenant="be"');
    expect(text).toContain('pr_preview_queue_depth 3');
    expect(text).toContain('pr_preview_github_outbox_depth 5');
    expect(text).toContain('pr_preview_github_outbox_oldest_seconds 2.5');
  });

  it('still answers, with the last count, while the API server does not', async () => {
    let up = true;
    const { metrics } = metricsWith(async () => {
      if (!up) throw new Error('connect ECONNREFUSED');
      return [{ tenant: 'hr', terminating: false }];
    });
    await metrics.registry.metrics();
    up = false;
    vi.useFakeTimers({ now: Date.now() + 60_000 });
    try {
      const text = await metrics.registry.metrics();
      expect(text).toContain('pr_preview_active_previews{tenant="hr"} 1');
      expect(text).toContain('pr_preview_process_resident_memory_bytes');
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks the cluster at most once per 15 s, however often it is scraped', async () => {
    const { metrics, cluster } = metricsWith(async () => []);
    await metrics.registry.metrics();
    await metrics.registry.metrics();
    expect(cluster.listPreviews).toHaveBeenCalledTimes(1);
  });
});

describe('recentFor', () => {
  it('does not keep a failure', async () => {
    const read = vi.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce(7);
    const recent = recentFor(60_000, read);
    await expect(recent()).rejects.toThrow('down');
    await expect(recent()).resolves.toBe(7);
    await expect(recent()).resolves.toBe(7);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
