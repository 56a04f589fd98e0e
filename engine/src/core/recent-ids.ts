/**
 * The ids of the most recently finished orders (filled, cancelled, rejected, never rested), oldest
 * first, in a ring of fixed capacity. The core keeps them in its id map next to the resting orders
 * to reject a replayed or duplicated order id; when the ring is full, the oldest id drops out (and
 * the core forgets it). The capacity is fixed, so what is remembered depends only on the commands.
 */
export class RecentIds {
  private readonly ring: (string | undefined)[];
  /** Index of the oldest entry. */
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`recent id capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** Appends `id`; when full, returns the oldest id, which it no longer holds. */
  push(id: string): string | undefined {
    if (this.count < this.capacity) {
      let at = this.start + this.count;
      if (at >= this.capacity) at -= this.capacity;
      this.ring[at] = id;
      this.count++;
      return undefined;
    }
    const start = this.start;
    const dropped = this.ring[start];
    this.ring[start] = id;
    this.start = start + 1 === this.capacity ? 0 : start + 1;
    return dropped;
  }

  /** Oldest first. */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.ring[(this.start + i) % this.capacity]!);
    return out;
  }
}
