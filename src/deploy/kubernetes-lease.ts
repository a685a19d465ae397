import {
  CoordinationV1Api,
  KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import {
  decideLease,
  leaseTimings,
  observe,
  type LeaseObservation,
  type LeaseRecord,
} from '../plan/lease.ts';
import { transientButNoConflict, withRetry } from './retry.ts';
import { isNotFound, isConflict } from './api-status.ts';

/** The calls a Lease needs: the API server's, or a test's stand-in. */
export type LeaseApi = Pick<
  CoordinationV1Api,
  | 'readNamespacedLease'
  | 'createNamespacedLease'
  | 'replaceNamespacedLease'
  | 'deleteNamespacedLease'
>;

/** The namespace that holds the Leases does not exist: no Lease can be taken until it does. */
export class LeaseNamespaceMissing extends Error {
  constructor(namespace: string) {
    super(
      `the Lease namespace \`${namespace}\` does not exist (PREVIEW_LEASE_NAMESPACE, or the app's own namespace)`,
    );
  }
}

/**
 * coordination.k8s.io Leases held by one process at a time: the reconciler's
 * leadership, and the lock that keeps two replicas off one pull request.
 * Decided as client-go's leader election decides (plan/lease.ts): another
 * holder's Lease expires a duration after this replica saw it change, by
 * this replica's clock; every write is a compare-and-swap; transient errors
 * are retried.
 */
export class KubernetesLeases {
  private readonly api: LeaseApi;
  private readonly namespace: string;
  readonly identity: string;
  readonly durationMs: number;
  private readonly now: () => number;
  private readonly observations = new Map<string, LeaseObservation>();
  private missingNamespace: string | undefined;
  private readonly attempts: number;

  constructor(
    source: KubeConfig | LeaseApi,
    options: {
      namespace: string;
      identity: string;
      durationSeconds?: number;
      now?: () => number;
      /** Tries of each call before its error counts (default 5). */
      attempts?: number;
    },
  ) {
    this.api = source instanceof KubeConfig ? source.makeApiClient(CoordinationV1Api) : source;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.durationMs = (options.durationSeconds ?? 30) * 1000;
    this.now = options.now ?? (() => Date.now());
    this.attempts = options.attempts ?? 5;
  }

  get timings(): ReturnType<typeof leaseTimings> {
    return leaseTimings(this.durationMs);
  }

  /** What keeps Leases from working now, for /readyz; undefined when nothing does. */
  problem(): string | undefined {
    return this.missingNamespace;
  }

  /**
   * Takes or renews the Lease; false while another live holder has it. A
   * write that meets a conflict reads again and decides again (once: a
   * renewal whose answer was lost finds the Lease its own and renews it).
   */
  async tryAcquire(name: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await this.tryOnce(name);
      if (outcome !== 'conflict') return outcome === 'taken';
    }
    return false;
  }

  private async tryOnce(name: string): Promise<'taken' | 'held' | 'conflict'> {
    const lease = await this.read(name);
    const now = this.now();
    const current = lease ? toRecord(lease.spec) : undefined;
    const observation = current ? observe(this.observations.get(name), current, now) : undefined;
    if (observation) this.observations.set(name, observation);
    const decision = decideLease({
      current,
      observation,
      identity: this.identity,
      now,
      durationMs: this.durationMs,
    });
    if (decision.kind === 'held') return 'held';
    const body: V1Lease = {
      metadata: {
        name,
        ...(lease?.metadata?.resourceVersion
          ? { resourceVersion: lease.metadata.resourceVersion }
          : {}),
      },
      spec: toSpec(decision.record),
    };
    try {
      await withRetry(
        () =>
          lease
            ? this.api.replaceNamespacedLease({ name, namespace: this.namespace, body })
            : this.api.createNamespacedLease({ namespace: this.namespace, body }),
        { retriable: transientButNoConflict, attempts: this.attempts },
      );
    } catch (error) {
      // Another taker wrote first (the resourceVersion moved, or it created the Lease),
      // or the Lease was deleted since it was read: read again.
      if (isConflict(error)) return 'conflict';
      if (isNotFound(error) && lease) return 'conflict';
      if (isNotFound(error)) {
        this.missingNamespace = new LeaseNamespaceMissing(this.namespace).message;
        throw new LeaseNamespaceMissing(this.namespace);
      }
      throw error;
    }
    this.missingNamespace = undefined;
    return 'taken';
  }

  /** Whether a live holder (this process or another) has the Lease now, judged as `tryAcquire` judges. */
  async isHeld(name: string): Promise<boolean> {
    const lease = await this.read(name);
    if (!lease) return false;
    const current = toRecord(lease.spec);
    if (current.holder === '') return false;
    if (current.holder === this.identity) return true;
    const observation = observe(this.observations.get(name), current, this.now());
    this.observations.set(name, observation);
    return this.now() < observation.observedAt + current.durationMs;
  }

  /**
   * Gives the Lease up at once, so another replica need not wait for it to
   * expire: deleted, or with `keep` emptied as client-go releases (its count
   * of transitions kept, as for the reconciler's leadership).
   */
  async release(name: string, options: { keep?: boolean } = {}): Promise<void> {
    this.observations.delete(name);
    const lease = await this.read(name);
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    const resourceVersion = lease.metadata?.resourceVersion;
    try {
      if (options.keep) {
        const record = toRecord(lease.spec);
        await withRetry(
          () =>
            this.api.replaceNamespacedLease({
              name,
              namespace: this.namespace,
              body: {
                metadata: { name, ...(resourceVersion ? { resourceVersion } : {}) },
                spec: toSpec({ ...record, holder: '', durationMs: 1000 }),
              },
            }),
          { retriable: transientButNoConflict, attempts: this.attempts },
        );
      } else {
        await withRetry(
          () =>
            this.api.deleteNamespacedLease({
              name,
              namespace: this.namespace,
              body: { preconditions: { ...(resourceVersion ? { resourceVersion } : {}) } },
            }),
          { retriable: transientButNoConflict, attempts: this.attempts },
        );
      }
    } catch (error) {
      // Gone, or taken by another since it was read: not this replica's any more.
      if (isNotFound(error) || isConflict(error)) return;
      throw error;
    }
  }

  private async read(name: string): Promise<V1Lease | undefined> {
    try {
      return await withRetry(
        () => this.api.readNamespacedLease({ name, namespace: this.namespace }),
        { attempts: this.attempts },
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function toRecord(spec: V1LeaseSpec | undefined): LeaseRecord {
  return {
    holder: spec?.holderIdentity ?? '',
    durationMs: (spec?.leaseDurationSeconds ?? 30) * 1000,
    ...(spec?.acquireTime ? { acquireTime: new Date(spec.acquireTime).toISOString() } : {}),
    ...(spec?.renewTime ? { renewTime: new Date(spec.renewTime).toISOString() } : {}),
    transitions: spec?.leaseTransitions ?? 0,
  };
}

function toSpec(record: LeaseRecord): V1LeaseSpec {
  return {
    holderIdentity: record.holder,
    leaseDurationSeconds: Math.max(1, Math.round(record.durationMs / 1000)),
    ...(record.acquireTime ? { acquireTime: microTime(record.acquireTime) } : {}),
    ...(record.renewTime ? { renewTime: microTime(record.renewTime) } : {}),
    leaseTransitions: record.transitions,
  };
}

/** Lease times are MicroTime: the API server wants six fractional digits, JavaScript has three. */
function microTime(time: string): Date {
  return time.replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
