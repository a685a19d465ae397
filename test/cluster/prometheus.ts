import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Tools } from './tools.ts';

/**
 * The bed's Prometheus (Debian's, see tools.ts): it scrapes HAProxy's
 * exporter as a cluster's Prometheus scrapes its ingress controller, so tests
 * and the app can ask PromQL about a preview's traffic. Its configuration and
 * storage live under the bed's state folder and go with the bed.
 */
export const prometheusDir = (stateDir: string) => join(stateDir, 'prometheus');

/** How often it scrapes and evaluates: each second, so a test sees its requests within about one. */
export const scrapeInterval = '1s';

/** Prometheus' configuration: one job scraping HAProxy's exporter's backend metrics at `metricsTarget` (`host:port`). */
export function prometheusConfig(metricsTarget: string): string {
  return stringify({
    global: {
      scrape_interval: scrapeInterval,
      // A scrape may not outlast the interval; said here rather than left to Prometheus' default.
      scrape_timeout: scrapeInterval,
      evaluation_interval: scrapeInterval,
    },
    scrape_configs: [
      {
        job_name: 'haproxy',
        metrics_path: '/metrics',
        // Backends only: the requests per preview that the app asks about. A
        // platform's Prometheus may take every scope; the bed's shares two
        // cores with the cluster it measures, and the servers' scope, four
        // slots a backend, is most of the exporter's output in a burst.
        params: { scope: ['backend'] },
        static_configs: [{ targets: [metricsTarget] }],
      },
    ],
  });
}

/** The command line that runs it on loopback `port`, everything it writes under `dir`. */
export function prometheusCommand(
  tools: Pick<Tools, 'prometheus' | 'prometheusAssets'>,
  dir: string,
  port: number,
): { command: string; args: string[] } {
  return {
    command: tools.prometheus,
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      // Tests look back minutes; a bed left running for days should not fill the disk.
      '--storage.tsdb.retention.time=1d',
      `--web.listen-address=127.0.0.1:${port}`,
      // Debian's binary looks for its UI under /usr/share; ours is unpacked beside it.
      `--web.local-assets=${tools.prometheusAssets}`,
    ],
  };
}

/** Writes the configuration and returns the process to start, scraping HAProxy's `metricsPort`. */
export function startPrometheus(
  tools: Tools,
  stateDir: string,
  ports: { prometheus: number; metrics: number },
): Record<string, { command: string; args: string[] }> {
  const dir = prometheusDir(stateDir);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(`127.0.0.1:${ports.metrics}`));
  return { prometheus: prometheusCommand(tools, dir, ports.prometheus) };
}
