/**
 * A bounded first-in-first-out set of order ids that finished (filled, cancelled, rejected,
 * never rested). It lets the core reject a replayed or duplicated order id without keeping every
 * id forever; its capacity is fixed, so what it remembers depends only on the command sequence.
 */
export class RecentIds {
  private readonly ring: (string | undefined)[];
  private readonly members = new Set<string>();
  /** Index of the oldest entry. */
  private start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`recent id capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.members.size;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  /** Remembers `id`, forgetting the oldest id when full. The id must not be present. */
  add(id: string): void {
    const size = this.members.size;
    if (size < this.capacity) {
      this.ring[(this.start + size) % this.capacity] = id;
    } else {
      const start = this.start;
      this.members.delete(this.ring[start]!);
      this.ring[start] = id;
      this.start = start + 1 === this.capacity ? 0 : start + 1;
    }
    this.members.add(id);
  }

  /** Oldest first. */
  toArray(): string[] {
    const out: string[] = [];
    const size = this.members.size;
    for (let i = 0; i < size; i++) out.push(this.ring[(this.start + i) % this.capacity]!);
    return out;
  }
}
