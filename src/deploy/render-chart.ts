import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../plan/preview-config.ts';
import { parseManifests } from './prepare-objects.ts';
import { valuesFilesFor } from './values-files.ts';
import type { ReleaseAction } from '../plan/helm-hooks.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { ChartRenderer, ClusterCredentials, ClusterFacts } from '../ports.ts';
import { checkRelease, needsFreshFacts, type CheckParams, type Release } from './check-release.ts';

type RenderParams = Parameters<typeof renderChart>[0];

/**
 * One preview's release, rendered and checked: the entry point of the app's
 * deploys and of the render command alike. When the render names an API the
 * facts do not know (a CRD installed since they were read), `refreshFacts`
 * reads them again before the check.
 */
export async function renderRelease(
  params: RenderParams &
    Pick<CheckParams, 'guardrails' | 'namespacePolicy' | 'secrets'> & {
      refreshFacts?: () => Promise<ClusterFacts>;
    },
): Promise<Release> {
  const objects = await renderChart(params);
  const facts =
    params.refreshFacts && needsFreshFacts(objects, params.facts)
      ? await params.refreshFacts()
      : params.facts;
  return checkRelease({
    objects,
    target: params.target,
    config: params.config,
    facts,
    action: params.action,
    guardrails: params.guardrails,
    namespacePolicy: params.namespacePolicy,
    secrets: params.secrets,
  });
}

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
