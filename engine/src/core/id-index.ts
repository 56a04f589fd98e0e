/** What `IdIndex.get` returns for an id it does not hold (values are >= 0). */
export const ABSENT = -1;

const FIRST_CAPACITY = 1024;

/**
 * The 32-bit hash of an order id (FNV-1a over the UTF-16 code units, then murmur3's finaliser so
 * the low bits, which pick the slot, depend on every character). Computed once per command and
 * kept next to the order, so fills and the finished-id memory never hash a string again.
 */
export function hashId(id: string): number {
  let h = 0x811c9dc5 ^ id.length;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Order id -> small integer (a handle in the order pool, a position in the finished-id ring), for
 * the few hundred thousand ids a deep book holds. The ids themselves are not copied: the owner of
 * the values keeps them (`keys[value]` is the id stored with `value`). An open-addressing table
 * with linear probing, each slot's hash and value side by side in one Int32Array: a lookup of a new
 * id reads one run of adjacent slots and compares 32-bit hashes, a hit compares one key. (A
 * `Map<string, number>` of that size cost a chain of cache misses per lookup: bucket, entry, then
 * the key string, since ids are not internalised, and GC work for its big backing store.)
 * Removal shifts the rest of the probe run back (no tombstones, so no cleanup rehash ever).
 */
export class IdIndex {
  /** Per slot: [hash, value]; value ABSENT marks a free slot. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(private readonly keys: ArrayLike<string | undefined>) {
    this.slots = new Int32Array(FIRST_CAPACITY * 2).fill(ABSENT);
    this.mask = FIRST_CAPACITY - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for `id` (whose hash is `hash`), or ABSENT. */
  get(id: string, hash: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const value = slots[2 * i + 1];
      if (value === ABSENT) return ABSENT;
      if (slots[2 * i] === hash && this.keys[value] === id) return value;
    }
  }

  /** Adds `value` (>= 0) for the id `keys[value]`, whose hash is `hash`; that id must be absent. */
  add(hash: number, value: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[2 * i + 1] !== ABSENT) i = (i + 1) & mask;
    slots[2 * i] = hash;
    slots[2 * i + 1] = value;
    // Half full at most: probe runs stay a few slots long.
    if (++this.count * 2 > mask + 1) this.grow();
  }

  /** Removes the entry `value` added with `hash` (it must be there); no string is compared. */
  remove(hash: number, value: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = hash & mask;
    while (slots[2 * hole + 1] !== value || slots[2 * hole] !== hash) {
      if (slots[2 * hole + 1] === ABSENT) throw new Error(`id index: entry ${value} is missing`);
      hole = (hole + 1) & mask;
    }
    this.count--;
    // Backward shift: move later entries of the run into the hole unless that would put them
    // before their home slot, so every entry stays reachable from its home without tombstones.
    for (let j = (hole + 1) & mask; slots[2 * j + 1] !== ABSENT; j = (j + 1) & mask) {
      const home = slots[2 * j] & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[2 * hole] = slots[2 * j];
      slots[2 * hole + 1] = slots[2 * j + 1];
      hole = j;
    }
    slots[2 * hole + 1] = ABSENT;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2).fill(ABSENT);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === ABSENT) continue;
      const hash = old[k];
      let i = hash & mask;
      while (slots[2 * i + 1] !== ABSENT) i = (i + 1) & mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = old[k + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}
