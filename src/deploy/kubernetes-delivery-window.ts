import type { KubeConfig } from '@kubernetes/client-node';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

/** A look at GitHub's deliveries is one replica's for this long; one that died leaves it then. */
const lookMs = 5 * 60_000;

/**
 * How far GitHub's failed deliveries have been looked through, in one
 * ConfigMap of the app's namespace. A start takes the look by
 * compare-and-swap (of several replicas starting at once, one looks), and
 * moves the mark only once the redeliveries were asked for, and only as far
 * as it looked: a look that failed, or stopped early, is made again.
 */
export class KubernetesDeliveryWindow {
  private readonly records: AppConfigMaps;
  private readonly name: string;
  private readonly replica: string;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; instance: string; replica: string },
  ) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.name = `pr-preview-${options.instance}-deliveries`;
    this.replica = options.replica;
  }

  /** Takes the look; where the mark is (undefined: never looked), or false: another replica looks. */
  async begin(now: number): Promise<{ checkedThrough: number | undefined } | false> {
    let taken: { checkedThrough: number | undefined } | false = false;
    await this.records.update(this.name, (current) => {
      const data = current?.data ?? {};
      const by = data['looking-by'];
      if (by && by !== this.replica && Number(data['looking-until'] ?? 0) > now) {
        taken = false;
        return undefined;
      }
      const mark = Number(data['checked-through'] ?? NaN);
      taken = { checkedThrough: Number.isFinite(mark) ? mark : undefined };
      return this.body({
        ...data,
        'looking-by': this.replica,
        'looking-until': String(now + lookMs),
      });
    });
    return taken;
  }

  /** Ends the look, the mark moved to `through`. */
  async finish(through: number): Promise<void> {
    await this.records.update(this.name, (current) => {
      const data = { ...current?.data };
      if (data['looking-by'] !== this.replica) return undefined;
      delete data['looking-by'];
      delete data['looking-until'];
      return this.body({ ...data, 'checked-through': String(through) });
    });
  }

  private body(data: Record<string, string>) {
    return { labels: { 'pr-preview.dev/record': 'deliveries' }, data };
  }
}
