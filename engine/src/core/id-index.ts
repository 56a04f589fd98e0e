/** What `IdIndex.get` returns for an id it does not hold (values are >= -2, see MatchingCore). */
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
 * Order id -> small integer, for the few hundred thousand ids a deep book holds: an open-addressing
 * table with linear probing, hash and value side by side in one Int32Array and the keys in a plain
 * array. A `Map<string, number>` of that size cost a chain of cache misses per lookup (bucket,
 * entry, then the key string to compare it, since ids are not internalised); here a miss reads one
 * run of adjacent slots and compares 32-bit hashes, and a hit compares one key. Deletion shifts
 * the rest of the probe run back (no tombstones), so the table never needs a cleanup rehash.
 */
export class IdIndex {
  /** Per slot: [hash, value]; value ABSENT marks a free slot. */
  private slots: Int32Array;
  private keys: (string | undefined)[];
  private mask: number;
  private count = 0;

  constructor() {
    this.slots = new Int32Array(FIRST_CAPACITY * 2).fill(ABSENT);
    this.keys = new Array<string | undefined>(FIRST_CAPACITY).fill(undefined);
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
      if (slots[2 * i] === hash && this.keys[i] === id) return value;
    }
  }

  /** Stores `value` (>= -2, not ABSENT) for `id`, replacing what it had. */
  set(id: string, hash: number, value: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (; slots[2 * i + 1] !== ABSENT; i = (i + 1) & mask) {
      if (slots[2 * i] === hash && this.keys[i] === id) {
        slots[2 * i + 1] = value;
        return;
      }
    }
    slots[2 * i] = hash;
    slots[2 * i + 1] = value;
    this.keys[i] = id;
    // Half full at most: probe runs stay a few slots long.
    if (++this.count * 2 > mask + 1) this.grow();
  }

  /** Forgets `id`; does nothing if it is not there. */
  delete(id: string, hash: number): void {
    const slots = this.slots;
    const keys = this.keys;
    const mask = this.mask;
    let hole = hash & mask;
    for (; ; hole = (hole + 1) & mask) {
      if (slots[2 * hole + 1] === ABSENT) return;
      if (slots[2 * hole] === hash && keys[hole] === id) break;
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
      keys[hole] = keys[j];
      hole = j;
    }
    slots[2 * hole + 1] = ABSENT;
    keys[hole] = undefined;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2).fill(ABSENT);
    const keys = new Array<string | undefined>(capacity).fill(undefined);
    const mask = capacity - 1;
    for (let k = 0; k < oldKeys.length; k++) {
      if (oldSlots[2 * k + 1] === ABSENT) continue;
      const hash = oldSlots[2 * k];
      let i = hash & mask;
      while (slots[2 * i + 1] !== ABSENT) i = (i + 1) & mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = oldSlots[2 * k + 1];
      keys[i] = oldKeys[k];
    }
    this.slots = slots;
    this.keys = keys;
    this.mask = mask;
  }
}
