import type { KubeConfig } from '@kubernetes/client-node';
import { AppConfigMaps } from './kubernetes-config-maps.ts';
import type { KubernetesLeases } from './kubernetes-lease.ts';

/** The Leases calls a look needs. */
type LookLeases = Pick<KubernetesLeases, 'tryAcquire' | 'renewHeld' | 'release' | 'timings'>;

/**
 * How far GitHub's failed deliveries have been looked through, in one
 * ConfigMap of the app's namespace, and who looks now, in a Lease: of
 * several replicas starting at once one looks, and a replica that died
 * while looking leaves the look a Lease's duration later (client-go's
 * rules), not when a fixed claim it wrote runs out. The mark moves only
 * once the redeliveries were asked for, only as far as it was looked, and
 * never back: a look that failed, or stopped early, is made again.
 */
export class KubernetesDeliveryWindow {
  private readonly records: AppConfigMaps;
  private readonly name: string;
  private readonly lease: string;
  private readonly leases: LookLeases;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; instance: string; leases: LookLeases },
  ) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.name = `pr-preview-${options.instance}-deliveries`;
    this.lease = `pr-preview-${options.instance}-deliveries-look`;
    this.leases = options.leases;
  }

  /** How often a waiting start tries the look again, and a looking one renews it. */
  get retryPeriodMs(): number {
    return this.leases.timings.retryPeriodMs;
  }

  /** Takes the look; where the mark is (undefined: never looked), or false while another replica looks. */
  async begin(): Promise<{ checkedThrough: number | undefined } | false> {
    if (!(await this.leases.tryAcquire(this.lease))) return false;
    try {
      const mark = Number((await this.records.read(this.name))?.data?.['checked-through'] ?? NaN);
      return { checkedThrough: Number.isFinite(mark) ? mark : undefined };
    } catch (error) {
      await this.leases.release(this.lease).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Renews the look; false when it was lost (it ran out and another replica
   * took it, or finished it): stop asking, that look asked for the rest.
   */
  async renew(): Promise<boolean> {
    return this.leases.renewHeld(this.lease);
  }

  /** Ends the look, the mark moved to `through` (or left where a later look put it). */
  async finish(through: number): Promise<void> {
    await this.records.update(this.name, (current) => {
      const mark = Number(current?.data?.['checked-through'] ?? NaN);
      if (Number.isFinite(mark) && mark >= through) return undefined;
      return {
        labels: { 'pr-preview.dev/record': 'deliveries' },
        data: { 'checked-through': String(through) },
      };
    });
    await this.leases.release(this.lease);
  }

  /** Gives the look up without moving the mark: the next start looks again. */
  async abandon(): Promise<void> {
    await this.leases.release(this.lease);
  }
}
