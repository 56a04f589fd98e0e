/**
 * The ids of the most recently finished orders (filled, cancelled, rejected, never rested), oldest
 * first, in a ring of fixed capacity, with their hashes. The core indexes them (IdIndex) to reject a
 * replayed or duplicated order id; when the ring is full, the oldest id drops out (and the core
 * forgets it). The capacity is fixed, so what is remembered depends only on the commands.
 */
export class RecentIds {
  /** The ids by position in the ring (an IdIndex of them reads its keys here). */
  readonly ring: (string | undefined)[];
  /** The hash of each id in `ring` (see hashId), so forgetting one never hashes it again. */
  private readonly hashes: Int32Array;
  /** Index of the oldest entry. */
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`recent id capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
  }

  get isFull(): boolean {
    return this.count === this.capacity;
  }

  /** The position of the oldest id (the next to drop out); only when not empty. */
  get oldest(): number {
    return this.start;
  }

  hashAt(position: number): number {
    return this.hashes[position];
  }

  /** Appends `id` (whose hash is `hash`) and returns its position; when full, the oldest id drops out. */
  push(id: string, hash: number): number {
    let at = this.start + this.count;
    if (this.count < this.capacity) {
      this.count++;
    } else {
      at = this.start;
      this.start = at + 1 === this.capacity ? 0 : at + 1;
    }
    if (at >= this.capacity) at -= this.capacity;
    this.ring[at] = id;
    this.hashes[at] = hash;
    return at;
  }

  /** Oldest first. */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.ring[(this.start + i) % this.capacity]!);
    return out;
  }
}
