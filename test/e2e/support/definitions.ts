import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubernetesDiscovery } from '../../../src/deploy/kubernetes-discovery.ts';
import { ObjectApi } from '../../../src/deploy/kubernetes-objects.ts';
import { eventually } from './kube.ts';

/** A namespaced CRD of one version that keeps whatever its objects hold. */
export function customResourceDefinition(params: {
  group: string;
  kind: string;
  plural: string;
}): KubernetesObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${params.plural}.${params.group}` },
    spec: {
      group: params.group,
      scope: 'Namespaced',
      names: { plural: params.plural, kind: params.kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      ],
    },
  } as KubernetesObject;
}

/** Prometheus Operator's ServiceMonitor, reduced to what the tests need. */
export const serviceMonitorDefinition = customResourceDefinition({
  group: 'monitoring.coreos.com',
  kind: 'ServiceMonitor',
  plural: 'servicemonitors',
});

/** Installs a CRD as the platform team would (its own field manager) and waits until it is served. */
export async function installDefinition(
  kubeConfig: KubeConfig,
  definition: KubernetesObject,
  served: { apiVersion: string; kind: string },
): Promise<void> {
  // Applied as written: the client's own patch drops `x-kubernetes-*` fields through its models.
  await kubeConfig.makeApiClient(ObjectApi).applyAsWritten(definition, false, 'platform-team');
  const discovery = new KubernetesDiscovery(kubeConfig, { minRefreshMs: 0 });
  await eventually(`${served.kind} served`, () =>
    discovery
      .facts({ refresh: true })
      .then((facts) => facts.namespaced(served.apiVersion, served.kind) || undefined),
  );
}
