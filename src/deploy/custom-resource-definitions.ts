import type { KubernetesObject } from '@kubernetes/client-node';
import { UserFacingError } from '../errors.ts';

interface CrdSpec {
  group?: string;
  names?: { kind?: string };
  versions?: { name?: string; served?: boolean }[];
  /** apiextensions.k8s.io/v1beta1's single version. */
  version?: string;
}

/** `group/version/Kind` for every version the definition serves. */
export function servedKinds(crd: KubernetesObject): string[] {
  const spec = (crd as { spec?: CrdSpec }).spec ?? {};
  const versions = (spec.versions ?? [])
    .filter((version) => version.served !== false)
    .map((version) => version.name)
    .concat(spec.version ? [spec.version] : [])
    .filter((name): name is string => Boolean(name));
  return versions.map((version) => `${spec.group}/${version}/${spec.names?.kind}`);
}

/**
 * The chart's CRDs that the cluster does not serve. Previews never install
 * CRDs: they are cluster-wide, shared by every preview and by production.
 * One counts as served when the cluster serves its kind at any of its versions.
 */
export function missingDefinitions(
  crds: KubernetesObject[],
  apiVersions: readonly string[],
): KubernetesObject[] {
  const served = new Set(apiVersions);
  return crds.filter((crd) => !servedKinds(crd).some((kind) => served.has(kind)));
}

export function missingDefinitionsError(missing: KubernetesObject[]): UserFacingError {
  const lines = missing.map((crd) => {
    const [kind] = servedKinds(crd);
    return `- \`${crd.metadata?.name}\`${kind ? ` (${kind.replace(/\/([^/]+)$/, ' $1')})` : ''}`;
  });
  return new UserFacingError(
    `the chart needs CustomResourceDefinitions that the cluster does not have; nothing was applied:\n${lines.join('\n')}\nPreviews never install CRDs, which the whole cluster shares: the platform team installs them.`,
  );
}
