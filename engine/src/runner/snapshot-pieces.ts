import type { EngineSnapshot } from './symbol-state';

/**
 * The stored form of a snapshot whose book is deep: the one definition of snapshot format 5.
 *
 * A snapshot's size grows with the book (its open orders, the core's levels and the market
 * data's levels); the rest (sequence numbers, the finished-id memory, candles, statistics) is
 * bounded. A book of a million resting orders is far more than Redis should take in one write
 * (one command blocks every other client, and a value is at most 512 MB) and than V8 builds into
 * one string. So the book's arrays are written as pieces of at most about {@link PIECE_BYTES}
 * each, one list element per piece, and `keys.snapshot` holds the rest with where the pieces are:
 *
 * - `keys.snapshot`: the {@link EngineSnapshot} JSON with its five book arrays (`core.bids`,
 *   `core.asks`, `md.bids`, `md.asks`, `orders`) empty and `v: 5`, `pieces: {key, count}`;
 * - the list at `pieces.key` (`keys.snapshotPieces(generation)`): `count` elements, each the JSON
 *   of one piece: `[[section, item, item...], [section, item...]...]`, the sections in the order
 *   above (`cb`, `ca`, `mb`, `ma`, `o`) and each array's items in order. A core level with many
 *   orders is split into several items of the same price, consecutive (at most
 *   {@link ORDERS_PER_ITEM} orders each): restoring joins them.
 *
 * A snapshot that fits one piece is stored whole in `keys.snapshot` ({@link EngineSnapshot}, no list).
 */
export const PIECE_BYTES = 256 * 1024;

/** Orders of one core level per piece item: a level of any depth is split into bounded items. */
export const ORDERS_PER_ITEM = 2000;

/** The five book arrays of a snapshot, in their stored order. */
const SECTIONS = ['cb', 'ca', 'mb', 'ma', 'o'] as const;
type Section = (typeof SECTIONS)[number];

/** Where a format 5 snapshot's pieces are. */
export interface PiecesRef {
  key: string;
  count: number;
}

/** `keys.snapshot` of format 5: the snapshot without its book, and where the book is. */
export type SnapshotHead = Omit<EngineSnapshot, 'v'> & { v: 5; pieces: PiecesRef };

/** A snapshot ready to be stored: whole (`json`), or a head and its pieces. */
export type EncodedSnapshot = { json: string; pieces?: undefined } | { head: (ref: PiecesRef) => string; pieces: string[] };

function arrays(s: EngineSnapshot): Record<Section, unknown[]> {
  return { cb: s.core.bids, ca: s.core.asks, mb: s.md.bids, ma: s.md.asks, o: s.orders };
}

/** The items of one section, a core level split into items of at most ORDERS_PER_ITEM orders. */
function* items(section: Section, list: unknown[]): Generator<unknown> {
  if (section !== 'cb' && section !== 'ca') {
    yield* list;
    return;
  }
  for (const [price, orders] of list as EngineSnapshot['core']['bids']) {
    if (orders.length <= ORDERS_PER_ITEM) yield [price, orders];
    else for (let i = 0; i < orders.length; i += ORDERS_PER_ITEM) yield [price, orders.slice(i, i + ORDERS_PER_ITEM)];
  }
}

/**
 * Encodes a snapshot for storage: whole when its book fits one piece, else a head and pieces.
 * No string here grows with the book beyond one piece (and one item, which is bounded).
 */
export function encodeSnapshot(s: EngineSnapshot): EncodedSnapshot {
  const pieces: string[] = [];
  let runs: string[] = [];
  let run: string[] = [];
  let runSection: Section | undefined;
  let bytes = 0;
  const closeRun = () => {
    if (runSection !== undefined && run.length > 0) runs.push(`["${runSection}",${run.join(',')}]`);
    run = [];
  };
  const closePiece = () => {
    closeRun();
    if (runs.length > 0) pieces.push(`[${runs.join(',')}]`);
    runs = [];
    bytes = 0;
  };
  const all = arrays(s);
  for (const section of SECTIONS) {
    closeRun();
    runSection = section;
    for (const item of items(section, all[section])) {
      const json = JSON.stringify(item);
      // Room for the piece's brackets and section names (at most one per section).
      if (bytes > 0 && bytes + json.length > PIECE_BYTES - 64) {
        closePiece();
        runSection = section;
      }
      run.push(json);
      bytes += json.length + 1;
    }
  }
  closePiece();
  if (pieces.length <= 1) return { json: JSON.stringify(s) };
  const bare: Omit<EngineSnapshot, 'v'> = {
    ...s,
    core: { ...s.core, bids: [], asks: [] },
    md: { ...s.md, bids: [], asks: [] },
    orders: [],
  };
  return { pieces, head: (ref) => JSON.stringify({ ...bare, v: 5, pieces: ref } satisfies SnapshotHead) };
}

/**
 * The snapshot back from its head and its pieces (in order): the inverse of {@link encodeSnapshot}.
 * Pieces are parsed one at a time, so no string larger than one piece is ever read.
 */
export async function decodeSnapshot(head: SnapshotHead, readPieces: (ref: PiecesRef) => AsyncIterable<string>): Promise<EngineSnapshot> {
  const { pieces: ref, ...rest } = head;
  const whole: EngineSnapshot['v'] = 4;
  const s: EngineSnapshot = { ...rest, v: whole };
  const all = arrays(s);
  let count = 0;
  for await (const piece of readPieces(ref)) {
    count++;
    for (const [section, ...list] of JSON.parse(piece) as [Section, ...unknown[]][]) {
      const into = all[section];
      if (!into) throw new Error(`snapshot piece ${count} has an unknown section ${String(section)}`);
      if (section === 'cb' || section === 'ca') {
        for (const [price, orders] of list as EngineSnapshot['core']['bids']) {
          const last = into[into.length - 1] as EngineSnapshot['core']['bids'][number] | undefined;
          if (last && last[0] === price) for (const o of orders) last[1].push(o);
          else into.push([price, orders]);
        }
      } else {
        for (const item of list) into.push(item);
      }
    }
  }
  if (count !== ref.count) throw new Error(`snapshot at ${head.position} has ${count} of its ${ref.count} pieces`);
  return s;
}
