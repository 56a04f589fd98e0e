/**
 * The aggregated order book as market data sees it: total lots per price level, kept from the
 * core's `book` events (each one is the new total at one level; 0 removes it). Levels are kept in
 * a balanced search tree ordered best first, each node counting its subtree, so a level's update
 * and its rank are O(log levels) however deep the book is, the top levels are read in order, and
 * a level just below the published top is known when a level above it disappears.
 */
export type LevelSteps = [priceTicks: number, lots: number];

/** A node of the AVL tree: `key` orders best first (the price, negated for bids). */
interface Node {
  key: number;
  lots: number;
  left: Node | null;
  right: Node | null;
  height: number;
  /** Nodes in this subtree. */
  size: number;
}

const height = (n: Node | null) => (n === null ? 0 : n.height);
const size = (n: Node | null) => (n === null ? 0 : n.size);

function update(n: Node): Node {
  n.height = 1 + Math.max(height(n.left), height(n.right));
  n.size = 1 + size(n.left) + size(n.right);
  return n;
}

function rotateRight(n: Node): Node {
  const l = n.left!;
  n.left = l.right;
  l.right = update(n);
  return update(l);
}

function rotateLeft(n: Node): Node {
  const r = n.right!;
  n.right = r.left;
  r.left = update(n);
  return update(r);
}

/** Restores the AVL balance of `n` after one insert or removal below it. */
function balance(n: Node): Node {
  update(n);
  const b = height(n.left) - height(n.right);
  if (b > 1) {
    if (height(n.left!.left) < height(n.left!.right)) n.left = rotateLeft(n.left!);
    return rotateRight(n);
  }
  if (b < -1) {
    if (height(n.right!.right) < height(n.right!.left)) n.right = rotateRight(n.right!);
    return rotateLeft(n);
  }
  return n;
}

function insert(n: Node | null, key: number, lots: number): Node {
  if (n === null) return { key, lots, left: null, right: null, height: 1, size: 1 };
  if (key < n.key) n.left = insert(n.left, key, lots);
  else n.right = insert(n.right, key, lots);
  return balance(n);
}

/** The subtree without its smallest key (`n.left` chain), and that node in `out[0]`. */
function removeMin(n: Node, out: Node[]): Node | null {
  if (n.left === null) {
    out[0] = n;
    return n.right;
  }
  n.left = removeMin(n.left, out);
  return balance(n);
}

function remove(n: Node | null, key: number): Node | null {
  if (n === null) return null;
  if (key < n.key) n.left = remove(n.left, key);
  else if (key > n.key) n.right = remove(n.right, key);
  else {
    if (n.left === null) return n.right;
    if (n.right === null) return n.left;
    const out: Node[] = [];
    const right = removeMin(n.right, out);
    const next = out[0];
    next.left = n.left;
    next.right = right;
    return balance(next);
  }
  return balance(n);
}

export class DepthSide {
  private root: Node | null = null;
  /** Lots by price, for the O(1) "did it change" check. */
  private readonly totals = new Map<number, number>();

  constructor(private readonly descending: boolean) {}

  /**
   * Sets the total at a level (0 deletes it). Returns the level's rank (0 = best) before a
   * removal or after an insert or update, or -1 when nothing changed: the caller can tell
   * whether the top levels moved.
   */
  set(price: number, lots: number): number {
    const current = this.totals.get(price);
    const key = this.descending ? -price : price;
    if (lots === 0) {
      if (current === undefined) return -1;
      this.totals.delete(price);
      const at = this.rank(key);
      this.root = remove(this.root, key);
      return at;
    }
    if (current === lots) return -1;
    this.totals.set(price, lots);
    if (current === undefined) this.root = insert(this.root, key, lots);
    else this.find(key)!.lots = lots;
    return this.rank(key);
  }

  /** The best `n` levels, best first. */
  top(n: number): LevelSteps[] {
    const out: LevelSteps[] = [];
    const stack: Node[] = [];
    let at = this.root;
    while (out.length < n && (at !== null || stack.length > 0)) {
      while (at !== null) {
        stack.push(at);
        at = at.left;
      }
      const node = stack.pop()!;
      out.push([this.descending ? -node.key : node.key, node.lots]);
      at = node.right;
    }
    return out;
  }

  /** Every level, best first (for snapshots). */
  all(): LevelSteps[] {
    return this.top(this.size);
  }

  get size(): number {
    return size(this.root);
  }

  /** How many levels are better than `key`. */
  private rank(key: number): number {
    let r = 0;
    let at = this.root;
    while (at !== null) {
      if (key <= at.key) at = at.left;
      else {
        r += size(at.left) + 1;
        at = at.right;
      }
    }
    return r;
  }

  private find(key: number): Node | undefined {
    let at = this.root;
    while (at !== null && at.key !== key) at = key < at.key ? at.left : at.right;
    return at ?? undefined;
  }
}

export class DepthBook {
  readonly bids = new DepthSide(true);
  readonly asks = new DepthSide(false);

  static fromLevels(bids: LevelSteps[], asks: LevelSteps[]): DepthBook {
    const book = new DepthBook();
    for (const [p, q] of bids) book.bids.set(p, q);
    for (const [p, q] of asks) book.asks.set(p, q);
    return book;
  }

  side(side: 'Buy' | 'Sell'): DepthSide {
    return side === 'Buy' ? this.bids : this.asks;
  }
}
