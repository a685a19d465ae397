import type { KubernetesObject } from '@kubernetes/client-node';
import type { GateResult } from './plan/check-gate.ts';
import type { PreviewOrigin } from './plan/labels.ts';
import type { PreviewTarget } from './plan/types.ts';

/** Identity of an applied object, kept on the namespace so a redeploy can prune. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** A preview namespace as the cluster shows it: the cluster is the state. */
export interface DeployRecord {
  sha: string;
  inventory: ObjectRef[];
  origin: PreviewOrigin;
  expiresAt?: string;
}

export interface ObservedPreview {
  namespace: string;
  repositoryId: number;
  pullRequest: number;
  installationId: number;
  tenant: string | null;
  /** The commit the last complete deploy applied. */
  sha?: string;
  /** Set while a deploy runs; left behind by a crash. */
  deployingSha?: string;
  origin: PreviewOrigin;
  expiresAt?: string;
  host?: string;
  inventory: ObjectRef[];
  terminating: boolean;
}

export interface Cluster {
  listPreviews(selector: string): Promise<ObservedPreview[]>;
  /**
   * Creates or updates the namespace and marks a deploy of the target's commit
   * as under way; `created` says whether it was new.
   */
  ensureNamespace(target: PreviewTarget): Promise<{ created: boolean; origin: PreviewOrigin }>;
  /** Undefined when the API server does not know the kind. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined>;
  /** Server-side apply of every object; throws ObjectRejectedError naming the object. */
  apply(objects: KubernetesObject[], options: { dryRun: boolean }): Promise<void>;
  deleteObjects(namespace: string, refs: ObjectRef[]): Promise<void>;
  /** Records what was applied at which commit, once the deploy has ended; clears the deploying mark. */
  recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void>;
  /** Deletes the namespaces and waits until they are gone. */
  deleteNamespaces(names: string[]): Promise<void>;
  /** Whether the API server answers at all. */
  reachable(): Promise<boolean>;
  /** The named Secrets of a namespace; names that do not exist are errors. */
  readSecrets(namespace: string, names: string[]): Promise<SecretCopy[]>;
  /** Waits for every Deployment, StatefulSet and Job in the namespace; says why not on timeout. */
  waitForRollout(namespace: string, timeoutMs: number): Promise<RolloutResult>;
}

/** What a preview namespace gets of a Secret from the app's source namespace. */
export interface SecretCopy {
  name: string;
  type?: string;
  data: Record<string, string>;
}

export type RolloutResult = { ready: true } | { ready: false; reasons: string[] };

/** The checks and statuses GitHub holds for a commit. */
export interface CommitChecks {
  gate(sha: string, required: string[]): Promise<GateResult>;
}

export type DeploymentState = 'success' | 'failure' | 'inactive';

/** GitHub Deployments: one per tenant and commit, so the pull request shows a View deployment button. */
export interface DeploymentLog {
  start(params: { environment: string; sha: string; url: string }): Promise<number>;
  update(
    deploymentId: number,
    state: DeploymentState,
    details?: { url?: string; description?: string },
  ): Promise<void>;
  /** Marks the latest deployment of each environment inactive. */
  deactivate(environments: string[]): Promise<void>;
}

/** An HTTP request for a preview host through the ingress controller. */
export interface SmokeProbe {
  probe(host: string, path: string): Promise<{ status: number } | { error: string }>;
}

export interface ChartSource {
  /** Extracts the chart folder of the repository at `sha` into `dest`; returns the chart's folder. */
  fetchChart(params: { sha: string; chartPath: string; dest: string }): Promise<string>;
}

export interface ChartRenderer {
  render(params: {
    chartDir: string;
    releaseName: string;
    namespace: string;
    valuesFiles: string[];
    values: Record<string, unknown>;
  }): Promise<string>;
}

export type RowStatus = 'waiting' | 'deploying' | 'ready' | 'failed' | 'destroyed' | 'expired';

export interface CommentRow {
  tenant: string | null;
  url: string;
  status: RowStatus;
  sha: string;
  /** Why it failed, or what it waits for. */
  reason?: string;
  /** A short fact shown after the status, such as a smoke check's answer. */
  note?: string;
  /** When waiting began (ms since the epoch), for the wait's timeout. */
  since?: number;
}

export interface CommentState {
  rows: CommentRow[];
  /** A problem not tied to one tenant (bad configuration), shown above the table. */
  problems?: string[];
  /** For a pull request from a fork: the one commit a maintainer approved with `/preview deploy`. */
  approvedSha?: string;
}

/** The sticky comment of one pull request. */
export interface PreviewComment {
  read(): Promise<CommentState>;
  update(change: (state: CommentState) => CommentState): Promise<void>;
}

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface Metrics {
  deployFinished(result: 'success' | 'failure', seconds: number): void;
  destroyFinished(result: 'success' | 'failure', count: number): void;
  githubRateLimit(remaining: number): void;
}
