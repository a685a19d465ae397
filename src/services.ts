import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { hostname } from 'node:os';
import { KubernetesClaims } from './deploy/kubernetes-claims.ts';
import { KubernetesCluster } from './deploy/kubernetes-cluster.ts';
import { KubernetesFences } from './deploy/kubernetes-fences.ts';
import { KubernetesHeadLog } from './deploy/kubernetes-head-log.ts';
import { KubernetesIdentity } from './deploy/kubernetes-identity.ts';
import { KubernetesRecords } from './deploy/kubernetes-records.ts';
import { reuseConnections } from './deploy/kubernetes-connections.ts';
import { KubernetesDiscovery } from './deploy/kubernetes-discovery.ts';
import { podSecurityLabels } from './deploy/pod-security.ts';
import { KubernetesLeases } from './deploy/kubernetes-lease.ts';
import type { AppIdentity } from './github/app-identity.ts';
import { ConversationBudget, defaultConversationLimits } from './github/conversation-budget.ts';
import { Outboxes } from './github/outbox.ts';
import { BottleneckWriteBudget } from './github/write-budget.ts';
import { PullRequestLocks } from './queue/pull-request-locks.ts';
import { KubernetesCommentStore } from './deploy/kubernetes-comment-store.ts';
import { KubernetesWorkLog } from './deploy/kubernetes-work-log.ts';
import { KubernetesDeliveryWindow } from './deploy/kubernetes-delivery-window.ts';
import { HelmRenderer } from './deploy/helm.ts';
import { HttpSmokeProbe } from './deploy/http-smoke-probe.ts';
import { PrometheusTraffic } from './deploy/prometheus-traffic.ts';
import { PreviewMetrics } from './operations/metrics.ts';
import { clusterSource } from './operations/start-up.ts';
import type {
  ChartRenderer,
  Cluster,
  CommentStore,
  ClusterDiscovery,
  FailureMemory,
  Fences,
  HeadLog,
  Logger,
  PreviewClaims,
  PreviewRecords,
  PreviewTraffic,
  SmokeProbe,
  WorkLog,
} from './ports.ts';
import { KubernetesFailureMemory } from './deploy/kubernetes-failure-memory.ts';
import { DeliveryLog } from './queue/delivery-log.ts';
import { KeyedQueue } from './queue/keyed-queue.ts';
import { WaitTimers } from './queue/wait-timers.ts';
import { settingsFingerprint, type Settings } from './settings/read-settings.ts';

/** Long-lived parts shared by every handler. */
export interface Services {
  settings: Settings;
  cluster: Cluster;
  /** The API server's version and APIs, for helm's `.Capabilities` and the guardrails. */
  discovery: ClusterDiscovery;
  renderer: ChartRenderer;
  /** How many renders run at once, across all jobs. */
  renderSlots: <T>(work: () => Promise<T>) => Promise<T>;
  queue: KeyedQueue;
  deliveries: DeliveryLog;
  waits: WaitTimers;
  smoke?: SmokeProbe;
  /** Requests per preview from the platform's Prometheus, when it has one. */
  traffic?: PreviewTraffic;
  metrics: PreviewMetrics;
  leases: KubernetesLeases;
  locks: PullRequestLocks;
  /** This app on GitHub, to tell its own comments from others'. */
  identity: AppIdentity;
  /** Every GitHub write, queued and paced per installation. */
  outboxes: Outboxes;
  /** How many replies and reactions a user, and a pull request, may cause. */
  conversations: ConversationBudget;
  /** Every sticky comment's state, in the cluster: what GitHub is owed survives a restart. */
  comments: CommentStore;
  /** This replica's identity, as its Leases and claimed sends name it. */
  replica: string;
  /** Work acknowledged to GitHub, in the cluster until done. */
  work: WorkLog;
  /** Recorded jobs this replica has queued (until their answer has left), never queued twice. */
  queuedJobs: Set<string>;
  /** Finished jobs whose records go once their answers have left: shutdown waits for them. */
  finishing: Set<Promise<unknown>>;
  /** How far GitHub's failed deliveries were looked through, so a start asks for each once. */
  deliveryWindow: KubernetesDeliveryWindow;
  /** Failed commits, so that the reconciler backs off from them. */
  failures: FailureMemory;
  /** What the app keeps about each preview in its own namespace: hooks, sleep. */
  records: PreviewRecords;
  /** The admission policies that fence previews, checked (and installed where the app may). */
  fences: Fences;
  /** When each head of a fork's pull request was pushed, so approvals bind to what was seen. */
  headLog: HeadLog;
  /** Namespaces, hosts and places under the caps that previews hold, reserved atomically. */
  claims: PreviewClaims;
  /** Digest of the settings that decide a deploy. */
  settingsFingerprint: string;
  logger: Logger;
}

/** The kubeconfig the app works with, from where `clusterSource` says it is. */
export function loadKubeConfig(env: NodeJS.ProcessEnv): KubeConfig {
  const kubeConfig = reuseConnections(new KubeConfig());
  if (clusterSource(env) === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export function createServices(
  settings: Settings,
  logger: Logger,
  identity: AppIdentity,
  kubeConfig: KubeConfig,
): Services {
  const clusterUser = new KubernetesIdentity(kubeConfig);
  const records = new KubernetesRecords(kubeConfig, {
    namespace: settings.leaseNamespace,
    instance: settings.instance,
  });
  const { namespaceRole } = settings.admission;
  const cluster = new KubernetesCluster(kubeConfig, {
    instance: settings.instance,
    namespaceLabels: podSecurityLabels(settings.namespacePolicy.podSecurity),
    records,
    ...(namespaceRole ? { namespaceRole: { name: namespaceRole, identity: clusterUser } } : {}),
  });
  const fences = new KubernetesFences(kubeConfig, clusterUser, {
    instance: settings.instance,
    namespace: settings.leaseNamespace,
    guardrails: settings.guardrails,
    copiedSecrets: settings.secrets?.names ?? [],
    podSecurity: settings.namespacePolicy.podSecurity,
    mode: settings.admission.policies,
    readerRole: settings.namespacePolicy.readerRole,
    ...(namespaceRole ? { namespaceRole } : {}),
    logger: logger.child({ component: 'fences' }),
  });
  const queue = new KeyedQueue(settings.concurrency);
  const outboxes = new Outboxes(
    new BottleneckWriteBudget(settings.githubWrites, {
      ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
      onError: (error) =>
        logger.error({ err: error }, 'Redis of the shared GitHub write budget failed'),
    }),
    logger.child({ component: 'outbox' }),
  );
  const leases = new KubernetesLeases(kubeConfig, {
    namespace: settings.leaseNamespace,
    identity: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
  });
  return {
    settings,
    cluster,
    discovery: new KubernetesDiscovery(kubeConfig),
    renderer: new HelmRenderer(settings.helmBin),
    renderSlots: pLimit(settings.renderConcurrency),
    queue,
    metrics: new PreviewMetrics({ queueDepth: () => queue.depth, cluster, outboxes }),
    outboxes,
    conversations: new ConversationBudget(defaultConversationLimits),
    comments: new KubernetesCommentStore(kubeConfig, {
      namespace: settings.leaseNamespace,
      instance: settings.instance,
    }),
    replica: leases.identity,
    work: new KubernetesWorkLog(kubeConfig, {
      namespace: settings.leaseNamespace,
      instance: settings.instance,
      identity: leases.identity,
    }),
    queuedJobs: new Set(),
    finishing: new Set(),
    deliveryWindow: new KubernetesDeliveryWindow(kubeConfig, {
      namespace: settings.leaseNamespace,
      instance: settings.instance,
      leases,
    }),
    deliveries: new DeliveryLog(),
    waits: new WaitTimers(),
    ...(settings.ingressUrl ? { smoke: new HttpSmokeProbe(settings.ingressUrl) } : {}),
    ...(settings.traffic.prometheus
      ? { traffic: new PrometheusTraffic(settings.traffic.prometheus) }
      : {}),
    leases,
    locks: new PullRequestLocks(leases, logger, settings.instance),
    identity,
    failures: new KubernetesFailureMemory(kubeConfig, settings.leaseNamespace, settings.instance),
    records,
    fences,
    headLog: new KubernetesHeadLog(kubeConfig, settings.leaseNamespace, settings.instance),
    claims: new KubernetesClaims(kubeConfig, {
      namespace: settings.leaseNamespace,
      instance: settings.instance,
    }),
    settingsFingerprint: settingsFingerprint(settings),
    logger,
  };
}
