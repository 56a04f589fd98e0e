import BTree from 'sorted-btree';
import { BookSide } from '../src/core/book-side';

type Method = (...args: unknown[]) => unknown;

/**
 * How much looking for price levels `run` costs: one per search of a price window's bitmap for the
 * next level (a bounded number of word reads each), one per next-level lookup in a tree of levels
 * (a search from its root), one per level an iteration over such a tree yields. Counted by
 * wrapping those methods for the length of `run` only (the bench's `BENCH_LOOKUPS=1` and the
 * empty-level tests), so no timed code carries a counter.
 */
export function countLevelLookups(run: () => void): number {
  const tree = BTree.prototype as unknown as Record<string, Method>;
  const side = BookSide.prototype as unknown as Record<string, Method>;
  let n = 0;
  const undo: (() => void)[] = [];
  const wrap = (proto: Record<string, Method>, name: string, iterates: boolean) => {
    const original = proto[name];
    undo.push(() => (proto[name] = original));
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (!iterates) {
        n++;
        return original.apply(this, args);
      }
      const it = original.apply(this, args) as Iterator<unknown>;
      const counted = {
        next: () => {
          const r = it.next();
          if (r.done !== true) n++;
          return r;
        },
        [Symbol.iterator]: () => counted,
      };
      return counted;
    };
  };
  wrap(side, 'nextSlot', false);
  wrap(tree, 'nextHigherPair', false);
  wrap(tree, 'entries', true);
  wrap(tree, 'values', true);
  try {
    run();
  } finally {
    for (const restore of undo) restore();
  }
  return n;
}
