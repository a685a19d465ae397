import type { KubernetesObject } from '@kubernetes/client-node';
import type { GateResult } from './plan/check-gate.ts';
import type { PreviewOrigin } from './plan/labels.ts';
import type { FailureRecord } from './plan/failure-memory.ts';
import type { Claim, PreviewCaps } from './plan/claims.ts';
import type { Hook } from './plan/helm-hooks.ts';
import type { PreviewTarget, PullRequestRef } from './plan/types.ts';
import type { AcceptedJob, CommandAnswer } from './plan/accepted-work.ts';

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
  /** The commit the last complete deploy applied. */
  sha?: string;
  /** Set while a deploy runs; left behind by a crash. */
  deployingSha?: string;
  origin: PreviewOrigin;
  expiresAt?: string;
  host?: string;
  inventory: ObjectRef[];
  terminating: boolean;
  /** When the last deploy finished (ISO time). */
  activeAt?: string;
  /** When it last woke (ISO time). */
  wokenAt?: string;
  sleepAfterMs?: number;
  /** Set while it sleeps (ISO time). */
  sleepingSince?: string;
  rolloutTimeoutMs?: number;
}

/** Pod Security Standards levels, most open first (`podSecurityLevels` lists them). */
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
   * Server-side apply of every object, in order; throws ObjectRejectedError naming the object.
   * An object whose update the API server refuses because a field is immutable is deleted and
   * created again (a dry run only reports it). `asNew` (a dry run) checks each object as if
   * none of its name existed, as hooks are created afresh.
   */
  apply(
    objects: KubernetesObject[],
    options: { dryRun: boolean; asNew?: boolean },
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
  restoreRoutes(namespace: string, wokenAt: string): Promise<void>;
  /** Preview namespaces in which a Deployment or StatefulSet has replicas. */
  runningNamespaces(): Promise<Set<string>>;
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

/** The `pre-delete` hooks a deploy left for the destroy that may come much later. */
export interface HookRecord {
  /** How long each hook may take: the repository's `rolloutTimeout` at the deploy. */
  timeoutMs: number;
  hooks: Hook[];
}

interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
  resource?: unknown;
}

/** The routing part of an Ingress spec: what sleep changes and a wake restores. */
export interface IngressRoutes {
  rules?: { host?: string; http?: { paths?: { backend?: IngressBackend }[] } }[];
}

/** What a sleeping preview had, to be given back by a wake. */
export interface SleepRecord {
  /** Replicas by `Kind/name` of each Deployment and StatefulSet put to sleep. */
  replicas: Record<string, number>;
  /** Rules and default backend by Ingress name, as they were. */
  routes: Record<string, IngressRoutes>;
}

/**
 * What the app keeps about each preview where no preview can write (the
 * app's own namespace): whatever the app later acts on is read from here.
 */
export interface PreviewRecords {
  /** Records the hooks (none removes the record). */
  putHooks(preview: string, record: HookRecord): Promise<void>;
  hooks(preview: string): Promise<HookRecord | undefined>;
  putSleep(preview: string, record: SleepRecord): Promise<void>;
  sleep(preview: string): Promise<SleepRecord | undefined>;
  forgetSleep(preview: string): Promise<void>;
  /** Removes every record of the preview namespace. */
  forget(preview: string): Promise<void>;
  /** Preview namespaces that have records, to find those left by namespaces gone. */
  previews(): Promise<string[]>;
}

/** Requests per preview namespace, from the platform's metrics. */
export interface PreviewTraffic {
  /** Each namespace's requests over the last `windowMs`; one not in the map had none. */
  requestsWithin(windowMs: number): Promise<Map<string, number>>;
}

/** Namespaces, hosts and places under the caps, reserved atomically (see `reserveClaims`). */
export interface PreviewClaims {
  /** Reserves what each preview needs; returns the refused, by namespace, with why. */
  reserve(
    wanted: { namespace: string; claim: Omit<Claim, 'at'> }[],
    caps: PreviewCaps,
  ): Promise<Map<string, string>>;
  release(namespaces: string[]): Promise<void>;
  /** Every live preview holds a claim; claims of namespaces long gone are let go. */
  repair(live: { namespace: string; claim: Omit<Claim, 'at'> }[], graceMs: number): Promise<void>;
}

/** When GitHub said each head of a fork's pull request was pushed. */
export interface HeadLog {
  record(
    pr: Pick<PullRequestRef, 'repositoryId' | 'number'>,
    sha: string,
    atMs: number,
  ): Promise<void>;
  pushedAt(
    pr: Pick<PullRequestRef, 'repositoryId' | 'number'>,
    sha: string,
  ): Promise<number | undefined>;
  forget(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<void>;
}

/** The admission policies that fence previews in the API server. */
export interface Fences {
  /** What of them the cluster lacks (installed where the app may); empty when all are in place. */
  missing(): Promise<string[]>;
}

/** Failed commits, kept in the cluster so that a restart forgets nothing. */
export interface FailureMemory {
  list(): Promise<FailureRecord[]>;
  get(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<FailureRecord | undefined>;
  put(record: FailureRecord): Promise<void>;
  clear(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<void>;
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

/** A finished deploy of one environment at one commit, as GitHub Deployments show it. */
export interface DeploymentRecord {
  environment: string;
  sha: string;
  url: string;
  state: 'success' | 'failure';
  description?: string;
}

/**
 * GitHub Deployments: one per tenant and commit, so the pull request shows a
 * View deployment button. Writes are queued: nothing here waits for them.
 */
export interface DeploymentLog {
  record(deploy: DeploymentRecord): void;
  /** Marks the active deployments of each environment inactive. */
  deactivate(environments: string[]): Promise<void>;
}

/** An HTTP request for a preview host through the ingress controller. */
export interface SmokeProbe {
  probe(host: string, path: string): Promise<{ status: number } | { error: string }>;
}

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

export type RowStatus =
  'waiting' | 'deploying' | 'ready' | 'sleeping' | 'failed' | 'destroyed' | 'expired';

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
  /** On a waiting row: a command asked for it, so the preview outlives the labels. */
  origin?: PreviewOrigin;
  /** On a waiting row: `/preview redeploy` asked for it, so it is deleted first once checks pass. */
  recreate?: boolean;
}

export interface CommentState {
  rows: CommentRow[];
  /** A problem not tied to one tenant (bad configuration), shown above the table. */
  problems?: string[];
  /** For a pull request from a fork: the one commit a maintainer approved with `/preview deploy`. */
  approvedSha?: string;
}

/** Work acknowledged to GitHub, in the cluster until it is done: a restart takes it up again. */
export interface WorkLog {
  /** Records the job; undefined when this delivery's job was recorded before (a redelivery). */
  accept(job: Omit<AcceptedJob, 'id' | 'attempts'>): Promise<AcceptedJob | undefined>;
  /** The job as recorded now, or undefined once another replica finished it. */
  read(id: string): Promise<AcceptedJob | undefined>;
  /** Counts one more try of the job and returns it, or undefined when it is gone. */
  begin(id: string): Promise<AcceptedJob | undefined>;
  /** Keeps a command's answer, so that a restart sends it instead of running the commands again. */
  answered(id: string, answer: CommandAnswer): Promise<void>;
  done(id: string): Promise<void>;
  pending(): Promise<AcceptedJob[]>;
}

/** Which pull request's comment: enough to find it on GitHub and in the cluster. */
export interface CommentKey {
  repositoryId: number;
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/** A sticky comment as the cluster keeps it: the state, and what GitHub was last given. */
export interface StoredComment {
  state: CommentState;
  /** GitHub's id of the comment, once it exists. */
  commentId?: number;
  /** Digest of the body GitHub holds, as last written (or read). */
  sentDigest?: string;
  /** The state is newer than what GitHub holds: a write is owed. */
  unsent: boolean;
  /** A replica sending it now, and until when (ms): the others leave it alone meanwhile. */
  sendingBy?: string;
  sendingUntil?: number;
  /** Sends given up in a row (GitHub refused): after a few, no pass tries again. */
  failedSends?: number;
  /** The pull request closed: once GitHub holds the last state the record goes. */
  closed?: boolean;
}

/**
 * Every sticky comment's state, kept where every replica reads the same and
 * a restart loses nothing: GitHub only ever shows it.
 */
export interface CommentStore {
  read(key: CommentKey): Promise<StoredComment | undefined>;
  /** Changes the stored comment as `change` says, from what is stored now; undefined changes nothing. */
  write(
    key: CommentKey,
    change: (current: StoredComment | undefined) => StoredComment | undefined,
  ): Promise<StoredComment | undefined>;
  /** Comments whose newest state GitHub does not hold yet, when each last changed (ms), and its failed sends. */
  unsent(): Promise<{ key: CommentKey; changedAt: number; failedSends: number }[]>;
  /** Comments with rows waiting for checks, and the commits they wait on. */
  waiting(): Promise<{ key: CommentKey; shas: string[] }[]>;
  forget(key: CommentKey): Promise<void>;
}

/** The sticky comment of one pull request. */
export interface PreviewComment {
  read(): Promise<CommentState>;
  update(change: (state: CommentState) => CommentState): Promise<void>;
  /** The pull request closed: the comment's record goes once GitHub holds its last state. */
  close(): Promise<void>;
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
  /** A reconcile pass went on past an error: a repository it could not list, a repair it could not queue. */
  reconcileError(stage: 'list' | 'queue'): void;
  /** A sleeping preview woke: by a request for its host, a command or a deploy. */
  woke(trigger: WakeTrigger): void;
}

export type WakeTrigger = 'request' | 'command' | 'push';
