/** Remembers recent webhook delivery ids, so GitHub's redelivery of one event does no work twice. */
export class DeliveryLog {
  private readonly seen = new Set<string>();
  private readonly capacity: number;

  constructor(capacity = 5_000) {
    this.capacity = capacity;
  }

  /** True the first time an id is offered. */
  firstTime(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
    return true;
  }
}
