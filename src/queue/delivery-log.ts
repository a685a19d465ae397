/** Remembers recent webhook delivery ids, so GitHub's redelivery of one event does no work twice. */
export class DeliveryLog {
  private readonly seen = new Set<string>();
  private readonly capacity: number;

  constructor(capacity = 5_000) {
    this.capacity = capacity;
  }

  /** Whether this delivery's work was accepted here before. */
  has(id: string): boolean {
    return this.seen.has(id);
  }

  /** Remembers a delivery once its work is accepted (recorded): a failed one may come again. */
  remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
