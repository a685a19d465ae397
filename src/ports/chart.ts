// A chart's way from a commit to objects: its archive on GitHub, then helm.
// Adapters: github/github-chart-source.ts, deploy/helm.ts.

import type { ClusterCredentials, ClusterFacts } from './cluster.ts';

/** Where a commit's archive is downloaded from, and with which headers (its credentials). */
export interface ArchiveLocation {
  url: string;
  headers: Record<string, string>;
}

export interface ChartSource {
  /**
   * Where the repository's tarball at `sha` is downloaded from (gzip, one top
   * folder, as GitHub serves it), with the credentials to do so: the bytes
   * themselves never pass through the app's own process.
   */
  archiveLocation(sha: string): Promise<ArchiveLocation>;
}

export interface ChartRenderer {
  /** helm's output for one release: every object, hooks and CRDs included, as YAML. */
  render(params: {
    chartDir: string;
    releaseName: string;
    namespace: string;
    valuesFiles: string[];
    values: Record<string, unknown>;
    /** The cluster the chart renders for: `.Capabilities`. */
    cluster: Pick<ClusterFacts, 'kubeVersion' | 'apiVersions'>;
    /** `.Release.IsUpgrade`; false renders an install. */
    isUpgrade: boolean;
    /** Whom helm's `lookup` asks; without it, `lookup` finds nothing, as in `helm template`. */
    lookup?: ClusterCredentials;
  }): Promise<string>;
}
