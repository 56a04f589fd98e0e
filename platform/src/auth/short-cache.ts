/** Entries kept in each lookup cache at most (the oldest go first). */
const CACHE_ENTRIES = 10_000;

/** A lookup cache whose entries live `ms` at most, bounded in size; misses are cached too. */
export class ShortCache<T> {
  private readonly entries = new Map<string, { value: T | undefined; until: number }>();
  constructor(private readonly ms: number) {}

  async get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.ms <= 0) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    this.entries.delete(key);
    if (this.entries.size >= CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: now + this.ms });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
