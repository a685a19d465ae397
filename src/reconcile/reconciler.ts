import type { Probot } from 'probot';
import { listInstalledRepositories } from '../github/installed-repositories.ts';
import { planReconcile, staleFailures, type ReconcileAction } from '../plan/plan-reconcile.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import type { Logger } from '../ports.ts';
import type { Services } from '../services.ts';
import { HeldLease } from '../queue/held-lease.ts';
import { resumeWork } from '../execute/resume-work.ts';
import { describeAction, queueRepair } from './queue-repair.ts';
import { requestsOfSleepCandidates } from './observe-traffic.ts';

/** Accepted work this old, and queued on no replica that lives, is taken up by the leader. */
const resumeAfterMs = 2 * 60_000;

/** A claim whose namespace never came is let go after this: the deploy that claimed it failed. */
const claimGraceMs = 10 * 60_000;

/**
 * Compares GitHub with the cluster at start and every interval, on one
 * replica at a time, and queues what repairs the difference: lost webhooks,
 * crashes, closed pull requests, expiry. The replica that takes the
 * reconciler Lease keeps it, renewed, for as long as it lives; the others
 * skip their passes.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private leadership: HeldLease | undefined;
  private running: Promise<unknown> | undefined;
  private readonly app: Probot;
  private readonly services: Services;
  /** One reconciler per installation of the app: two installations lead each their own. */
  private readonly leaderLease: string;
  private othersLogged = -1;

  constructor(app: Probot, services: Services) {
    this.app = app;
    this.services = services;
    this.leaderLease = `pr-preview-${services.settings.instance}-reconciler`;
  }

  start(): void {
    const interval = this.services.settings.reconcileIntervalMs;
    if (interval === 0) return;
    const tick = () => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    };
    setImmediate(tick);
    this.timer = setInterval(tick, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    // Kept, emptied, as client-go releases: its count of transitions goes on.
    await this.leadership?.release({ keep: true });
    this.leadership = undefined;
  }

  private async tick(): Promise<void> {
    const logger = this.services.logger.child({ component: 'reconciler' });
    try {
      const lease = await this.lead(logger);
      if (!lease) return;
      const started = Date.now();
      const { actions, previews } = await this.pass(logger, lease.signal);
      logger.info(
        { previews, actions: actions.length, durationMs: Date.now() - started },
        'reconcile pass done',
      );
      if (actions.length > 0)
        logger.info({ actions: actions.map(describeAction) }, 'reconcile pass queued repairs');
    } catch (error) {
      logger.warn({ err: error }, 'reconcile pass failed; the next one tries again');
    }
  }

  /**
   * This replica's leadership: taken when no live replica holds the Lease,
   * then renewed in the background, between passes too. A Lease lost (taken,
   * or not renewed within the deadline) ends it: the replica steps down and
   * the pass under way stops queueing.
   */
  private async lead(logger: Logger): Promise<HeldLease | undefined> {
    if (this.leadership && !this.leadership.signal.aborted) return this.leadership;
    if (this.leadership) logger.warn('stepped down from leading the reconciler');
    this.leadership = await HeldLease.tryTake(this.services.leases, this.leaderLease, logger);
    if (this.leadership) logger.info('leading the reconciler');
    return this.leadership;
  }

  /**
   * One pass: plan against GitHub and the cluster, queue the actions. A
   * repository that cannot be listed, or a repair that cannot be queued, is
   * logged and counted, and the pass goes on with the rest.
   */
  async pass(
    logger: Logger = this.services.logger,
    leading: AbortSignal = new AbortController().signal,
  ): Promise<{ actions: ReconcileAction[]; previews: number }> {
    const [installed, previews, failures] = await Promise.all([
      listInstalledRepositories(this.app),
      this.services.cluster.listPreviews(allPreviewsSelector),
      this.services.failures.list(),
    ]);
    for (const { where, error } of installed.errors) {
      this.services.metrics.reconcileError('list');
      logger.warn({ err: error, where }, 'could not list for the reconciler; its previews wait');
    }
    await this.adopt(installed.installationIds, logger);
    // Claims follow the cluster: one per preview there, none for namespaces long gone.
    await this.services.claims
      .repair(
        previews.map((p) => ({
          namespace: p.namespace,
          claim: {
            repositoryId: p.repositoryId,
            repository: p.repository ?? '',
            pullRequest: p.pullRequest,
            host: p.host ?? '',
          },
        })),
        claimGraceMs,
      )
      .catch((error: unknown) => logger.warn({ err: error }, 'could not repair the claims'));
    // Only a sleeping preview's workloads matter: asleep, they must have no replicas.
    const running = previews.some((p) => p.sleepingSince)
      ? await this.services.cluster.runningNamespaces()
      : new Set<string>();
    const now = Date.now();
    // Whether those idle by their last deploy, command or wake are in use, by their requests.
    const requests = await requestsOfSleepCandidates({
      traffic: this.services.traffic,
      previews,
      now,
      logger,
    });
    const input = {
      now,
      ...installed,
      previews,
      failures,
      settings: this.services.settingsFingerprint,
      running,
      ...(requests ? { requests } : {}),
      sleepOff: !this.services.settings.sleep.wake,
    };
    const actions = planReconcile(input);
    for (const stale of staleFailures(input)) {
      await this.services.failures
        .clear({ repositoryId: stale.repositoryId, number: stale.pullRequest })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not forget a failure'));
    }
    // Work another replica accepted and did not finish (it stopped, or died).
    await resumeWork(this.app, this.services, { minAgeMs: resumeAfterMs, logger }).catch(
      (error: unknown) => logger.warn({ err: error }, 'could not take up accepted work'),
    );
    for (const action of actions) {
      leading.throwIfAborted();
      await queueRepair(this.app, this.services, action).catch((error: unknown) => {
        this.services.metrics.reconcileError('queue');
        logger.warn({ err: error, action: describeAction(action) }, 'could not queue a repair');
      });
    }
    return { actions, previews: previews.length };
  }

  /**
   * Previews made before namespaces named their instance become this
   * installation's when their installation is one of its own; those of other
   * installations on the cluster are left alone, and said once.
   */
  private async adopt(installationIds: number[], logger: Logger): Promise<void> {
    const { adopted, others } = await this.services.cluster.adoptPreviews(installationIds);
    if (adopted.length > 0) logger.info({ namespaces: adopted }, 'adopted previews of this app');
    if (others !== this.othersLogged) {
      this.othersLogged = others;
      if (others > 0) {
        logger.info(
          { previews: others },
          'previews of other installations of pr-preview are on this cluster: left alone',
        );
      }
    }
  }
}
