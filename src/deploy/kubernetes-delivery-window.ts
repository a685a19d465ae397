import type { KubeConfig } from '@kubernetes/client-node';
import type { DeliveryLook, DeliveryWindow, Logger } from '../ports.ts';
import { HeldLease, type LeaseClient } from '../queue/held-lease.ts';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

/**
 * How far GitHub's failed deliveries have been looked through, in one
 * ConfigMap of the app's namespace, and who looks now, in a Lease: of
 * several replicas starting at once one looks, and a replica that died
 * while looking leaves the look a Lease's duration later (client-go's
 * rules), not when a fixed claim it wrote runs out. The look's Lease is
 * held as every Lease of the app is (queue/held-lease.ts): renewed on a
 * timer, and lost before another replica could take it. The mark moves only
 * once the redeliveries were asked for, only as far as it was looked, and
 * never back: a look that failed, or stopped early, is made again.
 */
export class KubernetesDeliveryWindow implements DeliveryWindow {
  private readonly records: AppConfigMaps;
  private readonly name: string;
  private readonly lease: string;
  private readonly leases: LeaseClient;
  private held: HeldLease | undefined;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; instance: string; leases: LeaseClient },
  ) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.name = `pr-preview-${options.instance}-deliveries`;
    this.lease = `pr-preview-${options.instance}-deliveries-look`;
    this.leases = options.leases;
  }

  /** How often a waiting start tries the look again. */
  get retryPeriodMs(): number {
    return this.leases.timings.retryPeriodMs;
  }

  /** Takes the look (undefined mark: never looked), or false while another replica looks. */
  async begin(logger: Logger): Promise<DeliveryLook | false> {
    const held = await HeldLease.tryTake(this.leases, this.lease, logger);
    if (!held) return false;
    try {
      const mark = Number((await this.records.read(this.name))?.data?.['checked-through'] ?? NaN);
      this.held = held;
      return { checkedThrough: Number.isFinite(mark) ? mark : undefined, lost: held.signal };
    } catch (error) {
      await held.release();
      throw error;
    }
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
    await this.abandon();
  }

  /** Gives the look up without moving the mark: the next start looks again. */
  async abandon(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    await held?.release();
  }
}
