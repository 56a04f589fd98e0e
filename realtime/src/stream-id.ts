/**
 * Orders Redis stream ids (`<ms>-<seq>`): negative, zero or positive like a comparator.
 * Both parts fit in a double for any id Redis generates from a clock.
 */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return am !== bm ? am - bm : as - bs;
}

function split(id: string): [number, number] {
  const dash = id.indexOf('-');
  if (dash < 0) return [Number(id), 0];
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** Milliseconds part of a stream id: when Redis appended the entry. */
export function streamIdTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
