// The Kubernetes cluster the previews live in: their namespaces, the objects
// applied in them, and what the cluster is. Adapters: deploy/kubernetes-cluster.ts,
// deploy/kubernetes-discovery.ts, deploy/kubernetes-fences.ts.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewOrigin } from '../plan/labels.ts';
import type { PreviewTarget } from '../plan/types.ts';

/** Identity of an applied object, kept on the namespace so a redeploy can prune. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Marked `helm.sh/resource-policy: keep` when applied: never pruned, as helm never deletes it. */
  keep?: true;
}

/** A preview namespace as the cluster shows it: the cluster is the state. */
export interface DeployRecord {
  sha: string;
  inventory: ObjectRef[];
  origin: PreviewOrigin;
  expiresAt?: string;
  /** Idle time after which it sleeps; absent: never. */
  sleepAfterMs?: number;
  /** How long its workloads may take to come up, for a wake as for this deploy. */
  rolloutTimeoutMs: number;
}

export interface ObservedPreview {
  namespace: string;
  repositoryId: number;
  /** `owner/name`, as the namespace records it. */
  repository?: string;
  pullRequest: number;
  installationId: number;
  tenant: string | null;
  /**
   * The commit whose objects were last applied whole: recorded once they are,
   * whether or not they then came up (its rollout, hooks and smoke check are
   * the comment's to judge).
   */
  sha?: string;
  /** Set while a deploy runs; left behind by a crash. */
  deployingSha?: string;
  origin: PreviewOrigin;
  expiresAt?: string;
  host?: string;
  inventory: ObjectRef[];
  terminating: boolean;
  /** When its namespace was made (ISO time). */
  createdAt?: string;
  /** When the last deploy finished (ISO time). */
  activeAt?: string;
  /** When it last woke (ISO time). */
  wokenAt?: string;
  sleepAfterMs?: number;
  /** Set while it sleeps (ISO time). */
  sleepingSince?: string;
  rolloutTimeoutMs?: number;
  /** Who kept it past its ttl (`/preview keep`); while set it does not expire. */
  keptBy?: string;
  /** After `/preview unkeep`: it expires no earlier than this (ISO time). */
  expiresNotBefore?: string;
  /** The expiry (ISO time) the pull request was warned of. */
  expiryWarnedFor?: string;
}

/** A preview's lifetime marks, all of them: what is absent is removed. */
export interface LifetimeMarks {
  keptBy?: string;
  expiresNotBefore?: string;
  expiryWarnedFor?: string;
}

/** Pod Security Standards levels, most open first (deploy/pod-security.ts lists them). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** The app's Service, as an `ExternalName` Service in a preview namespace names it. */
export interface WakeBackend {
  /** DNS name of the app's Service, e.g. `pr-preview.pr-preview.svc.cluster.local`. */
  host: string;
  port: number;
}

export interface Cluster {
  /** This installation's previews that match the selector. */
  listPreviews(selector: string): Promise<ObservedPreview[]>;
  /**
   * Labels as this installation's the previews of its installations made
   * before namespaces named their instance; counts other installations' previews.
   */
  adoptPreviews(installationIds: number[]): Promise<{ adopted: string[]; others: number }>;
  /**
   * Creates or updates the namespace and marks a deploy of the target's commit
   * as under way; `created` says whether it was new.
   */
  ensureNamespace(target: PreviewTarget): Promise<{ created: boolean; origin: PreviewOrigin }>;
  /**
   * Server-side apply of every object, as helm creates them: each run of one kind at once, the
   * runs in order; `atOnce`, all at once (objects none of which needs another). Throws
   * ObjectRejectedError naming the object.
   * An object whose update the API server refuses because a field is immutable is deleted and
   * created again (a dry run only reports it). `asNew` (a dry run) checks each object as if
   * none of its name existed, as hooks are created afresh.
   */
  apply(
    objects: KubernetesObject[],
    options: { dryRun: boolean; asNew?: boolean; atOnce?: boolean },
  ): Promise<ApplyResult>;
  /** Deletes the objects; 404 counts as done. With `waitMs`, waits until they are gone. */
  deleteObjects(namespace: string, refs: ObjectRef[], options?: { waitMs?: number }): Promise<void>;
  /** Records what was applied at which commit, once the deploy has ended; clears the deploying mark. */
  recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void>;
  /** Deletes the namespaces and waits until they are gone. */
  deleteNamespaces(names: string[]): Promise<void>;
  /** Whether the API server answers at all. */
  reachable(): Promise<boolean>;
  /** The named Secrets of a namespace; names that do not exist are errors. */
  readSecrets(namespace: string, names: string[]): Promise<SecretCopy[]>;
  /** Waits for the named Deployments, StatefulSets and Jobs; says why not on timeout. */
  waitForRollout(namespace: string, refs: ObjectRef[], timeoutMs: number): Promise<RolloutResult>;
  /** Waits until a Job completes or a Pod succeeds; says why when it fails or times out. */
  waitForCompletion(namespace: string, ref: ObjectRef, timeoutMs: number): Promise<RolloutResult>;
  /**
   * What Pod Security at `level` says of the pod templates among the objects
   * (Deployments, Jobs, CronJobs, bare Pods...), each checked as a new
   * object where nothing else applies; nothing is created. Empty at `privileged`.
   */
  podSecurityWarnings(
    objects: KubernetesObject[],
    level: PodSecurityLevel,
  ): Promise<ApplyResult['warnings']>;
  /**
   * Credentials that read the namespace's own objects and nothing else, for
   * helm's `lookup`; undefined when the namespace has no reader yet.
   */
  namespaceReader(namespace: string): Promise<ClusterCredentials | undefined>;
  /**
   * Puts a preview to sleep: marks its namespace sleeping since `since`,
   * points its Ingresses at the wake Service and scales its Deployments and
   * StatefulSets to zero, recording what they had. Safe to repeat.
   */
  sleep(namespace: string, since: string, wake: WakeBackend): Promise<void>;
  /** Gives sleeping workloads their recorded replicas back; returns those it scaled up. */
  restoreReplicas(namespace: string): Promise<ObjectRef[]>;
  /** Gives Ingresses their routes back, removes the wake Service, marks the namespace awake. */
  restoreRoutesAndMarkAwake(namespace: string, wokenAt: string): Promise<void>;
  /** Preview namespaces in which a Deployment or StatefulSet has replicas. */
  runningNamespaces(): Promise<Set<string>>;
  /**
   * Writes the namespace's lifetime marks (kept, warned), the whole set; a
   * namespace gone is left gone. Resolves to whether the namespace was there.
   */
  markLifetime(namespace: string, marks: LifetimeMarks): Promise<boolean>;
}

export interface ApplyResult {
  /** Objects deleted and created again (or, in a dry run, that would be) for an immutable field. */
  replaced: { ref: ObjectRef; reason: string }[];
  /** What the API server warned about, by object (Pod Security, deprecated APIs). */
  warnings: { ref: ObjectRef; messages: string[] }[];
}

/** How to reach the API server as someone else: a bearer token and the cluster's address. */
export interface ClusterCredentials {
  server: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  token: string;
}

/** What a preview namespace gets of a Secret from the app's source namespace. */
export interface SecretCopy {
  name: string;
  type?: string;
  data: Record<string, string>;
}

export type RolloutResult = { ready: true } | { ready: false; reasons: string[] };

/** What the cluster is, as helm's `.Capabilities` and the guardrails need it. */
export interface ClusterFacts {
  /** The API server's version, e.g. v1.37.2. */
  kubeVersion: string;
  /** Served `group/version` and `group/version/Kind`, as helm's `--api-versions` takes them. */
  apiVersions: string[];
  /** True for namespaced kinds, false for cluster-scoped ones, undefined for kinds not served. */
  namespaced(apiVersion: string, kind: string): boolean | undefined;
  /** False when assumed without asking a cluster (a local render): CRDs cannot be checked then. */
  fromCluster: boolean;
}

export interface ClusterDiscovery {
  /** Cached; `refresh` asks the API server again unless it was asked moments ago. */
  facts(options?: { refresh?: boolean }): Promise<ClusterFacts>;
}

/** The admission policies that fence previews in the API server. */
export interface Fences {
  /** What of them the cluster lacks (installed where the app may); empty when all are in place. */
  missing(): Promise<string[]>;
}
