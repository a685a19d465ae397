import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { down, up } from '../cluster/bed.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    helm: string;
    /** Debian's chromium, headless, for pages a person would look at. */
    chromium: string;
    redisUrl: string;
    /** HAProxy's HTTP frontend, configured from the cluster's Ingresses by the bed's stand-in. */
    ingressUrl: string;
    /** HAProxy's Prometheus exporter. */
    metricsUrl: string;
    /**
     * The bed's Prometheus (`http://127.0.0.1:<port>`), scraping that exporter each second: ask
     * its HTTP API (`/api/v1/query`) what HAProxy counted, as the app asks a cluster's.
     */
    prometheusUrl: string;
    /** The network namespace where pods answer, or why they do not on this machine. */
    podNetwork: { namespace: string } | { problem: string };
  }
}

/** Builds the app that e2e tests start as `npm start` does, and starts (or reuses) the test cluster. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('the app does not build');
  // npx runs the package's bin as a program, as npm run build leaves it.
  chmodSync(join(repoRoot, 'lib', 'cli.js'), 0o755);
  const bed = await up();
  project.provide('kubeconfig', bed.kubeconfig);
  project.provide('helm', bed.helm);
  project.provide('chromium', bed.chromium);
  project.provide('redisUrl', bed.redisUrl);
  project.provide('ingressUrl', bed.ingressUrl);
  project.provide('metricsUrl', bed.metricsUrl);
  project.provide('prometheusUrl', bed.prometheusUrl);
  project.provide('podNetwork', bed.podNetwork);
  return async () => {
    // A bed that was already running belongs to whoever started it.
    if (bed.started) await down();
  };
}
