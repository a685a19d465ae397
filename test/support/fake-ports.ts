import type { KubernetesObject } from '@kubernetes/client-node';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { factsFrom } from '../../src/deploy/kubernetes-discovery.ts';
import { defaultNamespacePolicy } from '../../src/deploy/namespace-policies.ts';
import type { PullRequestScope } from '../../src/pull-request-scope.ts';
import { runPullRequestJob } from '../../src/execute/run-pull-request-job.ts';
import type { AppIdentity } from '../../src/github/app-identity.ts';
import {
  ConversationBudget,
  defaultConversationLimits,
} from '../../src/github/conversation-budget.ts';
import { Outboxes } from '../../src/github/outbox.ts';
import { JobSignal } from '../../src/execute/lease-guard.ts';
import type { AcceptedJob, CommandAnswer } from '../../src/plan/accepted-work.ts';
import type { WriteBudget } from '../../src/github/write-budget.ts';
import {
  releaseClaims,
  reserveClaims,
  type Claims,
  type PreviewCaps,
} from '../../src/plan/claims.ts';
import type { FailureRecord } from '../../src/plan/failure-memory.ts';
import { annotationKeys, labelKeys } from '../../src/plan/labels.ts';
import type { PreviewTarget, PullRequestRef } from '../../src/plan/types.ts';
import type {
  ApplyResult,
  ChartRenderer,
  Cluster,
  CommentKey,
  CommentState,
  CommentStore,
  StoredComment,
  WorkLog,
  DeployRecord,
  DeploymentLog,
  DeploymentRecord,
  FailureMemory,
  Fences,
  HeadLog,
  PreviewClaims,
  HookRecord,
  LifetimeMarks,
  Logger,
  Metrics,
  ObjectRef,
  ObservedPreview,
  PreviewComment,
  PreviewRecords,
  RolloutResult,
  SleepRecord,
} from '../../src/ports.ts';
import { DeliveryLog } from '../../src/queue/delivery-log.ts';
import { KeyedQueue } from '../../src/queue/keyed-queue.ts';
import { WaitTimers } from '../../src/queue/wait-timers.ts';
import type { Services } from '../../src/services.ts';
import { readSettings } from '../../src/settings/read-settings.ts';
import { tarball } from './tarball.ts';

/**
 * In-memory stand-ins for the app's ports, for unit tests of jobs and
 * handlers: each records what it was asked, so a test asserts on outcomes
 * (namespaces, comment, deployments), not on calls to mocks.
 */

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => silentLogger,
};

/** Whether labels match an equality-based selector: `k=v`, `k==v`, `k!=v`, `k` and `!k`. */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const unequal = /^([^!=]+)!=(.*)$/.exec(term);
      if (unequal) return labels[unequal[1] as string] !== unequal[2];
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) return labels[equal[1] as string] === equal[2];
      if (term.startsWith('!')) return !(term.slice(1) in labels);
      return term in labels;
    });
}

/** A cluster of namespaces and the objects applied to them; a deploy comes up at once. */
export class FakeCluster implements Cluster {
  readonly namespaces = new Map<
    string,
    {
      target: PreviewTarget;
      record?: DeployRecord;
      deploying?: string;
      objects: KubernetesObject[];
      /** When the deploy was recorded (ISO time). */
      activeAt?: string;
      sleepingSince?: string;
      wokenAt?: string;
      /** Whether its workloads are at zero, as sleep leaves them. */
      scaledDown?: boolean;
      lifetime?: LifetimeMarks;
    }
  >();
  readonly deleted: string[] = [];
  /** Set to make deleting namespaces fail, as a destroy that times out does. */
  deleteFails: Error | undefined;
  rollout: RolloutResult = { ready: true };

  /** Namespaces whose labels match the selector, as the API server matches equality selectors. */
  async listPreviews(selector = ''): Promise<ObservedPreview[]> {
    return [...this.namespaces.entries()]
      .filter(([, entry]) => matchesSelector(entry.target.labels, selector))
      .map(([namespace, entry]) => ({
        namespace,
        repositoryId: Number(entry.target.labels[labelKeys.repositoryId]),
        pullRequest: Number(entry.target.labels[labelKeys.pullRequest]),
        installationId: Number(entry.target.labels[labelKeys.installationId]),
        tenant: entry.target.tenant,
        ...(entry.record ? { sha: entry.record.sha } : {}),
        ...(entry.deploying ? { deployingSha: entry.deploying } : {}),
        origin: entry.record?.origin ?? entry.target.origin,
        host: entry.target.host,
        inventory: entry.record?.inventory ?? [],
        terminating: false,
        ...(entry.activeAt ? { activeAt: entry.activeAt } : {}),
        ...(entry.record?.sleepAfterMs !== undefined
          ? { sleepAfterMs: entry.record.sleepAfterMs }
          : {}),
        ...(entry.record ? { rolloutTimeoutMs: entry.record.rolloutTimeoutMs } : {}),
        ...(entry.sleepingSince ? { sleepingSince: entry.sleepingSince } : {}),
        ...(entry.wokenAt ? { wokenAt: entry.wokenAt } : {}),
        ...(entry.record?.expiresAt ? { expiresAt: entry.record.expiresAt } : {}),
        ...entry.lifetime,
      }));
  }

  async markLifetime(namespace: string, marks: LifetimeMarks): Promise<boolean> {
    const entry = this.namespaces.get(namespace);
    if (entry) entry.lifetime = { ...marks };
    return entry !== undefined;
  }

  async ensureNamespace(target: PreviewTarget) {
    const existing = this.namespaces.get(target.namespace);
    const origin =
      existing?.record?.origin === 'command' || target.origin === 'command' ? 'command' : 'label';
    this.namespaces.set(target.namespace, {
      objects: [],
      ...existing,
      target,
      deploying: target.annotations[annotationKeys.sha],
    });
    return { created: existing === undefined, origin } as const;
  }

  /** `Kind/name` of every object a dry run asked about, in order. */
  readonly dryRuns: string[] = [];

  async apply(objects: KubernetesObject[], options: { dryRun: boolean }): Promise<ApplyResult> {
    if (options.dryRun) this.dryRuns.push(...objects.map((o) => `${o.kind}/${o.metadata?.name}`));
    if (!options.dryRun) {
      for (const object of objects) {
        this.namespaces.get(object.metadata?.namespace ?? '')?.objects.push(object);
      }
    }
    return { replaced: [], warnings: [] };
  }

  /** What a prune deleted, as `namespace/Kind/name`. */
  readonly pruned: string[] = [];

  async deleteObjects(namespace: string, refs: ObjectRef[]): Promise<void> {
    const entry = this.namespaces.get(namespace);
    for (const ref of refs) {
      this.pruned.push(`${namespace}/${ref.kind}/${ref.name}`);
      if (!entry) continue;
      entry.objects = entry.objects.filter(
        (o) => !(o.kind === ref.kind && o.metadata?.name === ref.name),
      );
    }
  }

  async recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void> {
    const entry = this.namespaces.get(target.namespace);
    if (!entry) return;
    this.namespaces.set(target.namespace, {
      ...entry,
      record,
      deploying: undefined,
      activeAt: new Date().toISOString(),
    });
  }

  async sleep(namespace: string, since: string): Promise<void> {
    const entry = this.namespaces.get(namespace);
    if (entry) Object.assign(entry, { sleepingSince: since, scaledDown: true });
  }

  async restoreReplicas(namespace: string): Promise<ObjectRef[]> {
    const entry = this.namespaces.get(namespace);
    if (!entry?.scaledDown) return [];
    entry.scaledDown = false;
    return [{ apiVersion: 'apps/v1', kind: 'Deployment', name: entry.target.releaseName }];
  }

  async restoreRoutesAndMarkAwake(namespace: string, wokenAt: string): Promise<void> {
    const entry = this.namespaces.get(namespace);
    if (entry) Object.assign(entry, { sleepingSince: undefined, wokenAt });
  }

  async runningNamespaces(): Promise<Set<string>> {
    return new Set([...this.namespaces].filter(([, e]) => !e.scaledDown).map(([name]) => name));
  }

  async deleteNamespaces(names: string[]): Promise<void> {
    if (this.deleteFails) throw this.deleteFails;
    for (const name of names) {
      if (this.namespaces.delete(name)) this.deleted.push(name);
    }
  }

  async reachable(): Promise<boolean> {
    return true;
  }

  async adoptPreviews() {
    return { adopted: [], others: 0 };
  }

  async readSecrets() {
    return [];
  }

  async waitForRollout(): Promise<RolloutResult> {
    return this.rollout;
  }

  async waitForCompletion(_namespace: string, _ref: ObjectRef): Promise<RolloutResult> {
    return { ready: true };
  }

  async podSecurityWarnings() {
    return [];
  }

  async namespaceReader() {
    return undefined;
  }
}

/** The app's records of each preview, in memory. */
export class FakeRecords implements PreviewRecords {
  readonly hookRecords = new Map<string, HookRecord>();
  readonly sleepRecords = new Map<string, SleepRecord>();

  async putHooks(preview: string, record: HookRecord): Promise<void> {
    if (record.hooks.length === 0) this.hookRecords.delete(preview);
    else this.hookRecords.set(preview, record);
  }
  async hooks(preview: string) {
    return this.hookRecords.get(preview);
  }
  async putSleep(preview: string, record: SleepRecord): Promise<void> {
    this.sleepRecords.set(preview, record);
  }
  async sleep(preview: string) {
    return this.sleepRecords.get(preview);
  }
  async forgetSleep(preview: string): Promise<void> {
    this.sleepRecords.delete(preview);
  }
  async forget(preview: string): Promise<void> {
    this.hookRecords.delete(preview);
    this.sleepRecords.delete(preview);
  }
  async previews(): Promise<string[]> {
    return [...new Set([...this.hookRecords.keys(), ...this.sleepRecords.keys()])].sort();
  }
}

/** Claims of previews, in memory, decided as the cluster's are. */
export class FakeClaims implements PreviewClaims {
  held: Claims = {};
  async reserve(wanted: Parameters<PreviewClaims['reserve']>[0], caps: PreviewCaps) {
    const { next, refused } = reserveClaims({ current: this.held, wanted, caps, now: Date.now() });
    this.held = next;
    return refused;
  }
  async release(namespaces: string[]) {
    this.held = releaseClaims(this.held, namespaces);
  }
  async repair() {}
}

/** When each head of a fork was pushed, in memory. */
export class FakeHeadLog implements HeadLog {
  readonly pushes = new Map<string, number>();
  async record(pr: { repositoryId: number; number: number }, sha: string, atMs: number) {
    this.pushes.set(`${pr.repositoryId}#${pr.number}@${sha}`, atMs);
  }
  async pushedAt(pr: { repositoryId: number; number: number }, sha: string) {
    return this.pushes.get(`${pr.repositoryId}#${pr.number}@${sha}`);
  }
  async forget() {}
}

/** Fences that are in place, or missing what a test says. */
export class FakeFences implements Fences {
  lacking: string[] = [];
  async missing(): Promise<string[]> {
    return this.lacking;
  }
}

/** The sticky comment: its state, and how many times it was written. */
export class FakeComment implements PreviewComment {
  state: CommentState = { rows: [] };
  writes = 0;

  async read(): Promise<CommentState> {
    return this.state;
  }

  async update(change: (state: CommentState) => CommentState): Promise<void> {
    const next = change(this.state);
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    this.writes += 1;
  }

  closed = false;

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Sticky comments' states as the cluster would keep them, in memory. */
export class MemoryCommentStore implements CommentStore {
  readonly stored = new Map<
    string,
    { key: CommentKey; comment: StoredComment; changedAt: number }
  >();

  private id(key: CommentKey): string {
    return `${key.repositoryId}#${key.number}`;
  }

  async read(key: CommentKey): Promise<StoredComment | undefined> {
    const entry = this.stored.get(this.id(key));
    return entry ? structuredClone(entry.comment) : undefined;
  }

  async write(
    key: CommentKey,
    change: (current: StoredComment | undefined) => StoredComment | undefined,
  ): Promise<StoredComment | undefined> {
    const next = change(await this.read(key));
    if (next)
      this.stored.set(this.id(key), { key, comment: structuredClone(next), changedAt: Date.now() });
    return next;
  }

  async unsent() {
    return [...this.stored.values()]
      .filter((entry) => entry.comment.unsent)
      .map(({ key, changedAt, comment }) => ({
        key,
        changedAt,
        failedSends: comment.failedSends ?? 0,
      }));
  }

  async waiting() {
    return [...this.stored.values()].flatMap(({ key, comment }) => {
      const shas = comment.state.rows.filter((r) => r.status === 'waiting').map((r) => r.sha);
      return shas.length > 0 ? [{ key, shas: [...new Set(shas)] }] : [];
    });
  }

  async all() {
    return [...this.stored.values()].map(({ key, comment }) => ({
      key,
      stored: structuredClone(comment),
    }));
  }

  async forget(key: CommentKey): Promise<void> {
    this.stored.delete(this.id(key));
  }
}

/** Accepted jobs as the cluster would keep them, in memory. */
export class MemoryWorkLog implements WorkLog {
  readonly jobs = new Map<string, AcceptedJob>();

  async accept(job: Omit<AcceptedJob, 'id' | 'attempts'>): Promise<AcceptedJob | undefined> {
    const id = `${job.delivery}/${job.repository.id}/${job.number}/${job.work.kind}`;
    if (this.jobs.has(id)) return undefined;
    const recorded = { ...job, id, attempts: 0 };
    this.jobs.set(id, recorded);
    return structuredClone(recorded);
  }

  async read(id: string): Promise<AcceptedJob | undefined> {
    const job = this.jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }

  async begin(id: string): Promise<AcceptedJob | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    job.attempts += 1;
    return structuredClone(job);
  }

  async answered(id: string, answer: CommandAnswer): Promise<void> {
    const job = this.jobs.get(id);
    if (job) job.answer = answer;
  }

  async done(id: string): Promise<void> {
    this.jobs.delete(id);
  }

  async pending(): Promise<AcceptedJob[]> {
    return [...this.jobs.values()].map((job) => structuredClone(job));
  }
}

/** A budget that never makes a write wait. */
export const unpacedBudget: WriteBudget = {
  spend: (_installation, _writes, write) => write(),
  stop: () => Promise.resolve(),
};

export class FakeDeployments implements DeploymentLog {
  readonly writes: string[] = [];

  record(deploy: DeploymentRecord): void {
    this.writes.push(`${deploy.state} ${deploy.environment} ${deploy.sha.slice(0, 7)}`);
  }

  async deactivate(environments: string[]): Promise<void> {
    for (const environment of environments) this.writes.push(`inactive ${environment}`);
  }
}

export class FakeFailureMemory implements FailureMemory {
  readonly records = new Map<string, FailureRecord>();

  async list() {
    return [...this.records.values()];
  }

  async get(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>) {
    return this.records.get(`${pr.repositoryId}#${pr.number}`);
  }

  async put(record: FailureRecord) {
    this.records.set(`${record.repositoryId}#${record.pullRequest}`, record);
  }

  async clear(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>) {
    this.records.delete(`${pr.repositoryId}#${pr.number}`);
  }
}

/** helm's output for a chart of one Deployment, or the error given. */
export function fakeRenderer(result: string | Error = deploymentYaml): ChartRenderer & {
  renders: number;
} {
  const renderer = {
    renders: 0,
    async render() {
      renderer.renders += 1;
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return renderer;
}

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: foo }
spec: { selector: { matchLabels: { app: foo } }, template: { metadata: { labels: { app: foo } }, spec: { containers: [{ name: foo, image: foo }] } } }
---
apiVersion: v1
kind: Service
metadata: { name: foo-service }
spec: { selector: { app: foo }, ports: [{ name: nginx, port: 80 }] }
`;

export const noMetrics: Metrics = {
  deployFinished() {},
  destroyFinished() {},
  githubRateLimit() {},
  reconcileError() {},
  woke() {},
};

export interface FakeWorld {
  services: Services;
  cluster: FakeCluster;
  records: FakeRecords;
  fences: FakeFences;
  headLog: FakeHeadLog;
  claims: FakeClaims;
  failures: FakeFailureMemory;
  renderer: ReturnType<typeof fakeRenderer>;
}

/** The long-lived services, with the fakes above in place of Kubernetes and helm. */
export function fakeServices(env: Record<string, string> = {}): FakeWorld {
  const cluster = new FakeCluster();
  const records = new FakeRecords();
  const fences = new FakeFences();
  const headLog = new FakeHeadLog();
  const claims = new FakeClaims();
  const failures = new FakeFailureMemory();
  const renderer = fakeRenderer();
  const settings = readSettings({
    PREVIEW_DOMAIN: 'preview.bar.com',
    HELM_BIN: 'helm',
    PREVIEW_RECONCILE_INTERVAL: '0',
    ...env,
  });
  const services: Services = {
    settings,
    cluster,
    discovery: {
      facts: async () =>
        factsFrom({
          kubeVersion: 'v1.37.2',
          groups: [
            {
              items: [
                {
                  metadata: { name: '' },
                  versions: [
                    {
                      version: 'v1',
                      resources: [
                        {
                          resource: 'services',
                          responseKind: { kind: 'Service' },
                          scope: 'Namespaced',
                        },
                      ],
                    },
                  ],
                },
                {
                  metadata: { name: 'apps' },
                  versions: [
                    {
                      version: 'v1',
                      resources: [
                        {
                          resource: 'deployments',
                          responseKind: { kind: 'Deployment' },
                          scope: 'Namespaced',
                        },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
    },
    renderer,
    renderSlots: (work) => work(),
    queue: new KeyedQueue(2),
    deliveries: new DeliveryLog(),
    waits: new WaitTimers(),
    metrics: noMetrics as Services['metrics'],
    leases: {} as Services['leases'],
    locks: {
      hold: (_pr: unknown, job: (lease: AbortSignal) => Promise<unknown>) =>
        job(new AbortController().signal),
      isHeld: async () => false,
      stopWaiting: () => undefined,
      gate: () => ({
        enter: async () => ({
          signal: new AbortController().signal,
          release: async () => undefined,
        }),
        wait: async () => undefined,
      }),
    } as unknown as Services['locks'],
    identity: { wrote: async () => true } as unknown as AppIdentity,
    outboxes: new Outboxes(unpacedBudget, silentLogger),
    conversations: new ConversationBudget(defaultConversationLimits),
    comments: new MemoryCommentStore(),
    replica: 'replica-a',
    work: new MemoryWorkLog(),
    queuedJobs: new Set(),
    finishing: new Set(),
    deliveryWindow: {
      begin: async () => {
        throw new Error('unit tests look at no GitHub deliveries');
      },
    } as unknown as Services['deliveryWindow'],
    failures,
    records,
    fences,
    headLog,
    claims,
    settingsFingerprint: 'settings-1',
    logger: silentLogger,
  };
  return { services, cluster, records, fences, headLog, claims, failures, renderer };
}

export interface FakeScope extends PullRequestScope {
  comment: FakeComment;
  deployments: FakeDeployments;
  /** Tarball downloads, by commit. */
  downloads: string[];
}

/** One pull request's GitHub side: a comment, deployments, a chart, a config and a head. */
export function fakeScope(params: {
  pr?: Partial<PullRequestRef>;
  config?: unknown;
  headSha: string;
  draft?: boolean;
  gate?: Awaited<ReturnType<PullRequestScope['checks']['gate']>>;
}): FakeScope {
  const pr: PullRequestRef = {
    owner: 'acme',
    repo: 'foo',
    repositoryId: 11,
    installationId: 22,
    number: 7,
    ...params.pr,
  };
  const downloads: string[] = [];
  return {
    pr,
    queueKey: `${pr.repositoryId}#${pr.number}`,
    logger: silentLogger,
    comment: new FakeComment(),
    deployments: new FakeDeployments(),
    downloads,
    chartSource: {
      // A data: URL: the download runs apart, as for GitHub, without a server.
      async archiveLocation(sha) {
        downloads.push(sha);
        const archive = tarball([
          {
            path: `acme-foo-${sha.slice(0, 7)}/.cloud/charts/foo/Chart.yaml`,
            body: 'apiVersion: v2\nname: foo\nversion: 0.1.0\n',
          },
        ]);
        return { url: `data:application/gzip;base64,${archive.toString('base64')}`, headers: {} };
      },
    },
    checks: { gate: async () => params.gate ?? { state: 'passed' } },
    stop: new JobSignal(),
    readConfig: async () => params.config ?? null,
    readHead: async () => ({ sha: params.headSha, draft: params.draft ?? false }),
  };
}

export { defaultGuardrails, defaultNamespacePolicy };

/** A preview labelled and deployed at `sha`, as the pull request job leaves it. */
export async function deployedPreview(
  world: FakeWorld,
  scope: FakeScope,
  sha: string,
): Promise<void> {
  await runPullRequestJob(world.services, {
    ...scope,
    event: {
      action: 'labeled',
      label: 'cd/preview',
      labels: ['cd/preview'],
      headSha: sha,
      state: 'open',
    },
  });
}
