import type { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { figures, fixtureChart, tenants } from './bench-world.ts';
import { percentile } from './figures.ts';
import { untilServed } from './through-ingress.ts';

/**
 * The same four-tenant deploy as a CI job would do it: `helm upgrade
 * --install --wait` once per tenant, one after another, on the same bed;
 * each run a fresh install, as a labelled pull request is. When pods answer,
 * each install then gets its route, an Ingress as the app makes it, and the
 * job waits until HAProxy answers from the pods: the reference for a first 200.
 */
export async function helmReference(
  helm: string,
  kubeconfig: string,
  core: CoreV1Api,
  networking: NetworkingV1Api,
  ingress?: URL,
) {
  const runs: number[] = [];
  const served: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    let routeWaitMs = 0;
    for (const tenant of tenants) {
      const result = spawnSync(
        helm,
        [
          'upgrade',
          '--install',
          '--wait',
          '--timeout',
          '2m',
          '--create-namespace',
          '--namespace',
          `bench-helm-${run}-${tenant}`,
          '--kubeconfig',
          kubeconfig,
          '-f',
          join(fixtureChart, `values-${tenant}.yaml`),
          `reference-${tenant}`,
          fixtureChart,
        ],
        { encoding: 'utf8' },
      );
      if (result.status !== 0) throw new Error(`helm upgrade --install failed: ${result.stderr}`);
      if (ingress) {
        const routeStarted = performance.now();
        const namespace = `bench-helm-${run}-${tenant}`;
        const host = `reference-${run}-${tenant}.preview.bar.com`;
        await networking.createNamespacedIngress({
          namespace,
          body: {
            metadata: { name: 'reference' },
            spec: {
              ingressClassName: 'haproxy-v1',
              rules: [
                {
                  host,
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: {
                          service: { name: `reference-${tenant}-service`, port: { name: 'nginx' } },
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        });
        await untilServed(ingress, [host], 'registry.example.com/foo:latest');
        routeWaitMs += performance.now() - routeStarted;
      }
    }
    // Helm's own time; with each route's wait added, the first 200's reference.
    const totalMs = performance.now() - started;
    runs.push((totalMs - routeWaitMs) / 1000);
    if (ingress) served.push(totalMs / 1000);
  }
  for (let run = 0; run < 3; run++)
    for (const tenant of tenants)
      await core.deleteNamespace({ name: `bench-helm-${run}-${tenant}` }).catch(() => undefined);
  const reference = percentile(runs, 50);
  figures.add(
    'helm_upgrade_install_wait_four_tenants_p50',
    reference,
    's',
    'one `helm upgrade --install --wait` per tenant, in turn',
  );
  const ours = figures.value('label_to_ready_p50');
  if (ours !== undefined)
    figures.add(
      'label_to_ready_over_helm',
      ours / reference,
      '×',
      'pr-preview label to ready (comment included) over the helm reference',
    );
  const first200 = figures.value('label_to_first_200_p50');
  if (served.length > 0) {
    const servedReference = percentile(served, 50);
    figures.add(
      'helm_upgrade_install_wait_four_tenants_first_200_p50',
      servedReference,
      's',
      "the same, each tenant's route then waited for until HAProxy answers from its pods",
    );
    if (first200 !== undefined)
      figures.add(
        'label_to_first_200_over_helm',
        first200 / servedReference,
        '×',
        'pr-preview label to first 200 over the helm reference to first 200 (target ≤ 0.15)',
      );
  }
}
