import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prometheusCommand, prometheusConfig } from './prometheus.ts';

describe('prometheusConfig', () => {
  const config = parse(prometheusConfig('127.0.0.1:4242'));

  it('scrapes and evaluates every second, a scrape never outlasting the interval', () => {
    expect(config.global).toEqual({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
    });
  });

  it("has one job, HAProxy's exporter's backends at the address given, and nothing else", () => {
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'haproxy',
        metrics_path: '/metrics',
        params: { scope: ['backend'] },
        static_configs: [{ targets: ['127.0.0.1:4242'] }],
      },
    ]);
    expect(Object.keys(config).sort()).toEqual(['global', 'scrape_configs']);
  });
});

describe('prometheusCommand', () => {
  const tools = { prometheus: '/tools/prometheus', prometheusAssets: '/tools/web' };
  const { command, args } = prometheusCommand(tools, '/bed/.cluster/prometheus', 9123);

  it("runs the unpacked binary with its own UI, not the machine's /usr/share", () => {
    expect(command).toBe('/tools/prometheus');
    expect(args).toContain('--web.local-assets=/tools/web');
  });

  it('listens on loopback only, on the port given', () => {
    expect(args).toContain('--web.listen-address=127.0.0.1:9123');
  });

  it("reads its configuration and keeps its samples under the bed's folder", () => {
    expect(args).toContain('--config.file=/bed/.cluster/prometheus/prometheus.yml');
    expect(args).toContain('--storage.tsdb.path=/bed/.cluster/prometheus/data');
  });
});
