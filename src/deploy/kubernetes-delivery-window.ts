import type { KubeConfig } from '@kubernetes/client-node';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

/**
 * How far GitHub's failed deliveries have been looked through, in one
 * ConfigMap of the app's namespace. A start claims the window from there to
 * now by compare-and-swap, so windows never overlap: of several replicas
 * starting at once each looks through its own stretch, and a delivery is
 * asked for once.
 */
export class KubernetesDeliveryWindow {
  private readonly records: AppConfigMaps;
  private readonly name: string;

  constructor(kubeConfig: KubeConfig, options: { namespace: string; instance: string }) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.name = `pr-preview-${options.instance}-deliveries`;
  }

  /**
   * Moves the mark to `now`; returns where it was (undefined: never looked),
   * or false when another replica has looked past `now` already.
   */
  async claim(now: number): Promise<{ checkedThrough: number | undefined } | false> {
    let claimed: { checkedThrough: number | undefined } | false = false;
    await this.records.update(this.name, (current) => {
      const mark = Number(current?.data?.['checked-through'] ?? NaN);
      const checkedThrough = Number.isFinite(mark) ? mark : undefined;
      if (checkedThrough !== undefined && checkedThrough >= now) {
        claimed = false;
        return undefined;
      }
      claimed = { checkedThrough };
      return {
        labels: { 'pr-preview.dev/record': 'deliveries' },
        data: { 'checked-through': String(now) },
      };
    });
    return claimed;
  }
}
