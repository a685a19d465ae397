import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';

/**
 * A coordination.k8s.io Lease held by one process at a time: the reconciler's
 * leadership, and the lock that keeps two replicas off one pull request.
 */
export class KubernetesLeases {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  readonly identity: string;
  private readonly durationSeconds: number;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; identity: string; durationSeconds?: number },
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.durationSeconds = options.durationSeconds ?? 30;
  }

  get renewEveryMs(): number {
    return (this.durationSeconds * 1000) / 3;
  }

  /** Takes or renews the lease; false while another live holder has it. */
  async tryAcquire(name: string): Promise<boolean> {
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace: this.namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      return this.write(() =>
        this.api.createNamespacedLease({
          namespace: this.namespace,
          body: { metadata: { name }, spec: this.spec(now, now) },
        }),
      );
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired =
      renewed + (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000 < now.getTime();
    if (holder !== '' && holder !== this.identity && !expired) return false;
    const acquired =
      holder === this.identity && spec.acquireTime ? new Date(spec.acquireTime) : now;
    // The resourceVersion makes this a compare-and-swap: of two takers, one gets 409.
    return this.write(() =>
      this.api.replaceNamespacedLease({
        name,
        namespace: this.namespace,
        body: {
          metadata: { name, resourceVersion: lease.metadata?.resourceVersion },
          spec: this.spec(acquired, now),
        },
      }),
    );
  }

  /** Whether a live holder (this process or another) has the lease now. */
  async isHeld(name: string): Promise<boolean> {
    try {
      const spec =
        (await this.api.readNamespacedLease({ name, namespace: this.namespace })).spec ?? {};
      const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
      const live =
        renewed + (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000 >= Date.now();
      return Boolean(spec.holderIdentity) && live;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    }
  }

  /** Gives the lease up at once, so another replica need not wait for it to expire. */
  async release(name: string): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace: this.namespace });
      if (lease.spec?.holderIdentity !== this.identity) return;
      await this.api.deleteNamespacedLease({
        name,
        namespace: this.namespace,
        body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
      });
    } catch (error) {
      if (error instanceof ApiException && (error.code === 404 || error.code === 409)) return;
      throw error;
    }
  }

  private spec(acquireTime: Date, renewTime: Date) {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.durationSeconds,
      acquireTime: microTime(acquireTime),
      renewTime: microTime(renewTime),
    };
  }

  private async write(request: () => Promise<unknown>): Promise<boolean> {
    try {
      await request();
      return true;
    } catch (error) {
      if (error instanceof ApiException && (error.code === 409 || error.code === 404)) return false;
      throw error;
    }
  }
}

/** Lease times are MicroTime: the API server wants six fractional digits, JavaScript has three. */
function microTime(time: Date): Date {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
