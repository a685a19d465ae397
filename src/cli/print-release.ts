import type { KubernetesObject } from '@kubernetes/client-node';
import { describe } from '../plan/object-identity.ts';
import { stringifyKubernetesYaml } from '../deploy/kubernetes-yaml.ts';
import { servedKinds } from '../deploy/custom-resource-definitions.ts';
import type { HookStep, Release } from '../deploy/check-release.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { ClusterFacts } from '../ports.ts';

/**
 * A release as YAML in the order a deploy goes through it: pre-hooks, the
 * objects applied together, post-hooks, then what runs before the namespace
 * is deleted. Comments say what each hook is and when it runs.
 */
export function printRelease(params: {
  release: Release;
  target: PreviewTarget;
  sha: string;
  facts: ClusterFacts;
  factsFrom: string;
  /** Where `.github/preview.yml` came from, and where the app takes it. */
  configSource: string;
  /** What the restricted level would refuse, as preview namespaces warn. */
  podSecurityWarnings?: string[];
  copiedSecrets?: { namespace: string; names: string[] };
}): string {
  const { release, target, facts } = params;
  const header = [
    `# pr-preview render: namespace ${target.namespace}, ${target.url}, commit ${params.sha}, as an ${release.action}`,
    `# for Kubernetes ${facts.kubeVersion} (${params.factsFrom})`,
    params.configSource,
    ...release.crds.map(
      (crd) =>
        `# needs CRD ${crd.metadata?.name} (${servedKinds(crd).join(', ')})${facts.fromCluster ? ', served by the cluster' : ', not checked without --kubeconfig'}; previews never install CRDs`,
    ),
    ...(params.copiedSecrets
      ? [
          `# not shown: Secrets copied from ${params.copiedSecrets.namespace} (${params.copiedSecrets.names.join(', ')})`,
        ]
      : []),
    ...release.notes.map((note) => `# changed for the preview: ${note}`),
    ...(params.podSecurityWarnings ?? []),
    ...release.skipped.map(
      (object) => `# skipped, as helm skips it: ${describe(object)} names an unknown hook event`,
    ),
    ...release.neverRun.map(
      (hook) =>
        `# never run: ${hook.events.join(', ')} hook ${describe(hook.object)} (previews run no post-delete, rollback or test hooks)`,
    ),
  ];
  const documents = [
    ...hookDocuments(release.hooks.pre, 'runs before the objects below are applied'),
    ...release.objects.map((object) => document(object)),
    ...hookDocuments(release.hooks.post, 'runs once the objects above are ready'),
    ...hookDocuments(release.hooks.preDelete, 'runs before the namespace is deleted'),
  ];
  return `${header.join('\n')}\n${documents.join('')}`;
}

function hookDocuments(step: HookStep, when: string): string[] {
  return step.hooks.map((hook) =>
    document(
      hook.object,
      `# hook: ${step.event}, weight ${hook.weight}, ${when}; delete policy ${hook.deletePolicies.join(', ') || 'before-hook-creation'}`,
    ),
  );
}

function document(object: KubernetesObject, comment?: string): string {
  return `---\n${comment ? `${comment}\n` : ''}${stringifyKubernetesYaml(object)}`;
}
