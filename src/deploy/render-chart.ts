import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../plan/preview-config.ts';
import { parseManifests } from './prepare-objects.ts';
import { valuesFilesFor } from './values-files.ts';
import type { ReleaseAction } from '../plan/helm-hooks.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { ChartRenderer, ClusterCredentials, ClusterFacts } from '../ports.ts';

/**
 * The render phase: helm renders the chart for this cluster, as an install
 * or an upgrade, and its output is read as Kubernetes reads it. Hooks and
 * CRDs are still in the list; the check phase sorts them out.
 */
export async function renderChart(params: {
  renderer: ChartRenderer;
  chartDir: string;
  config: PreviewConfig;
  target: PreviewTarget;
  facts: ClusterFacts;
  action: ReleaseAction;
  /** The preview namespace's own reader, for `lookup`; absent on a first deploy. */
  lookup?: ClusterCredentials;
}): Promise<KubernetesObject[]> {
  const { target } = params;
  const rendered = await params.renderer.render({
    chartDir: params.chartDir,
    releaseName: target.releaseName,
    namespace: target.namespace,
    valuesFiles: valuesFilesFor(params.chartDir, params.config, target.tenant),
    values: target.values,
    cluster: { kubeVersion: params.facts.kubeVersion, apiVersions: params.facts.apiVersions },
    isUpgrade: params.action === 'upgrade',
    ...(params.lookup ? { lookup: params.lookup } : {}),
  });
  return parseManifests(rendered);
}
