import type { PreviewOrigin } from './labels.ts';

/** The pull request a plan is about. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  repositoryId: number;
  installationId: number;
  number: number;
}

/** One preview: a tenant of a pull request, with every name already computed. */
export interface PreviewTarget {
  /** What asked for it; a command's request outlives the labels. */
  origin: PreviewOrigin;
  /** Null for repositories without tenants. */
  tenant: string | null;
  namespace: string;
  host: string;
  url: string;
  releaseName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Values the chart receives under `preview`, plus the image tag. */
  values: Record<string, unknown>;
}

/**
 * What became of one target of a deploy: the comment, GitHub's Deployments
 * and the failure memory are all written from it.
 */
export interface TenantOutcome {
  target: PreviewTarget;
  error?: Error;
  /** What the comment says of the error, redacted. */
  reason?: string;
  note?: string;
}

/** The reaction a command's comment gets: seen, done, or failed. */
export type Reaction = 'eyes' | 'rocket' | 'confused';

export type TenantSelection = { all: true } | { all: false; tenants: (string | null)[] };

/** Previews a redeploy no longer brings along, destroyed first, and why. */
export interface Retirement {
  tenants: (string | null)[];
  reason: string;
}

export type Plan =
  | {
      action: 'deploy';
      sha: string;
      targets: PreviewTarget[];
      retire: Retirement[];
      /** Labels passed over, each with why: shown on the pull request. */
      ignored: string[];
    }
  /** Nothing left to deploy: only these previews go. */
  | { action: 'retire'; retire: Retirement[]; ignored: string[] }
  | { action: 'destroy'; selection: TenantSelection; reason: string }
  | { action: 'skip'; reason: string }
  /** Something the user must fix; shown on the pull request, nothing is touched. */
  | { action: 'reject'; problems: string[] };
