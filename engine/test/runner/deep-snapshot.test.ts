import type Redis from 'ioredis';
import { createLogger, RedisServer, waitFor, type Logger } from '@xtrader/platform';
import { symbolKeys, type MarketSpec, type PlaceCommand } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolRunner } from '../../src/runner';
import { decodeSnapshot, PIECE_BYTES, type SnapshotHead } from '../../src/runner/snapshot-pieces';
import { appendAll, place, storedOrder } from './helpers';

let server: RedisServer;
let redis: Redis;
let spec: MarketSpec;
const runners: SymbolRunner[] = [];

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  spec = loadMarketMap().get('BTC-KRW')!;
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  redis.disconnect();
  await server.destroy();
});

/** The bytes of one SLOWLOG entry's arguments (Redis shows an argument past 128 bytes as its start and "... (N more bytes)"). */
function argumentBytes(args: string[]): number {
  let n = 0;
  for (const a of args) {
    const more = /\.\.\. \((\d+) more bytes\)$/.exec(a);
    n += more ? 128 + Number(more[1]) : Buffer.byteLength(a);
  }
  return n;
}

/** A logger that keeps every line, and also writes those at `DEEP_SNAPSHOT_LOG`'s level (none by default). */
function recordingLogger(): Logger & { lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const out = createLogger('test', process.env.DEEP_SNAPSHOT_LOG ?? 'silent');
  const at = (lvl: keyof Logger) => (msg: string, fields: Record<string, unknown> = {}) => {
    lines.push({ msg, fields });
    out[lvl](msg, fields);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** `DEEP_SNAPSHOT_REPORT=1` prints the run's figures (for docs/benchmarks.md); tests assert none. */
function report(line: string): void {
  if (process.env.DEEP_SNAPSHOT_REPORT) process.stdout.write(`deep-snapshot: ${line}\n`);
}

async function storedSnapshot(keys: ReturnType<typeof symbolKeys>, at: string): Promise<SnapshotHead> {
  return waitFor(
    `a snapshot at ${at}`,
    async () => {
      const head = JSON.parse((await redis.get(keys.snapshot)) ?? '{}') as SnapshotHead;
      return head.position === at ? head : undefined;
    },
    { timeoutMs: 1_500_000, intervalMs: 200 },
  );
}

async function decoded(head: SnapshotHead) {
  return decodeSnapshot(head, async function* (ref) {
    for (let i = 0; i < ref.count; i += 16) yield* await redis.lrange(ref.key, i, i + 15);
  });
}

/**
 * Long leases and reads: on a loaded machine applying, encoding and restoring a million orders
 * takes minutes and starves the event loop for seconds at a time (what this test is about is the
 * snapshot's writes and the restored book, not the lease's timing).
 */
const patient = { leaseMs: 600_000, recoveryLeaseMs: 600_000, blockMs: 10_000 };

// A snapshot of a deep book must neither be one huge Redis write (it would hold up every other
// symbol on the server while it is stored, and a value is at most 512 MB) nor one huge string.
test('a deep book (250,000 resting orders, one level of a quarter of them) snapshots in bounded pieces, and an engine restored from it has the same book', async () => {
  // 250,000 by default: a million (DEEP_SNAPSHOT_ORDERS=1000000) takes this shared machine past
  // what a suite may take; the pieces and every write stay the same size either way.
  const N = Number(process.env.DEEP_SNAPSHOT_ORDERS ?? 250_000);
  const keys = symbolKeys('BTC-KRW', 'deep');
  // Bids on 2,000 levels below 50,000, asks on 2,000 levels above, and one ask level holding a
  // quarter of the book (a level deeper than any piece).
  const cmds: PlaceCommand[] = [];
  for (let i = 0; i < N; i++) {
    if (i % 4 === 0) cmds.push(place(`d${i}`, 'Sell', 50_100, 1));
    else if (i % 2 === 0) cmds.push(place(`d${i}`, 'Buy', 49_999 - (i % 2000), 1 + (i % 7)));
    else cmds.push(place(`d${i}`, 'Sell', 50_001 + (i % 2000), 1 + (i % 5)));
  }
  const last = await appendAll(redis, keys, cmds);
  cmds.length = 0;

  // Every command the engine sends from here on is in the server's slow log, with its arguments.
  await redis.config('SET', 'slowlog-log-slower-than', '0');
  await redis.config('SET', 'slowlog-max-len', '200000');
  await redis.slowlog('RESET');
  const firstLog = recordingLogger();
  const first = new SymbolRunner({ spec, redisUrl: server.url, prefix: 'deep', engineId: 'e1', log: firstLog, ...patient, snapshotEvery: N, snapshotMs: 3_600_000 });
  runners.push(first);
  const started = Date.now();
  void first.start();
  const head = await storedSnapshot(keys, last);
  const snapshotted = Date.now();
  await redis.config('SET', 'slowlog-log-slower-than', '10000');
  const log = (await redis.slowlog('GET', '-1')) as [number, number, number, string[], string, string][];
  // Applying and encoding the book hold the engine's event loop for seconds: replies that came
  // meanwhile are taken, not presumed lost (no reconnect, no recovery).
  expect(firstLog.lines.filter((l) => l.msg === 'engine loop error; recovering')).toEqual([]);

  // Stored in pieces, none larger than PIECE_BYTES, the head small; no command the engine sent
  // (commits, pieces) carried more than a few pieces' worth.
  expect(head.v).toBe(5);
  expect(await redis.strlen(keys.snapshot)).toBeLessThan(2 * 1024 * 1024);
  const pieces = await redis.lrange(head.pieces.key, 0, -1);
  expect(pieces).toHaveLength(head.pieces.count);
  expect(Math.max(...pieces.map((p) => Buffer.byteLength(p)))).toBeLessThanOrEqual(PIECE_BYTES);
  expect(await redis.pttl(head.pieces.key)).toBe(-1);
  // The log keeps the newest 200,000 commands (each order's write inside a script counts): they
  // hold the snapshot's writes, every piece of it, and the batches before them.
  const engineCommands = log.filter((e) => e[5].startsWith('xt-engine-'));
  const pieceWrites = engineCommands.filter((e) => e[3][0].toLowerCase() === 'rpush' && e[3][1] === head.pieces.key);
  expect(pieceWrites).toHaveLength(Math.ceil(head.pieces.count / 4));
  const largest = Math.max(...engineCommands.map((e) => argumentBytes(e[3])));
  expect(largest).toBeLessThanOrEqual(4 * PIECE_BYTES + 1024);
  // Redis runs one command at a time: the longest one is the longest any other symbol waited.
  const slowest = engineCommands.reduce((a, e) => (e[2] > a[2] ? e : a));
  const slowestPiece = pieceWrites.reduce((a, e) => (e[2] > a[2] ? e : a));
  report(`${N} orders: applied and snapshotted in ${((snapshotted - started) / 1000).toFixed(1)} s, ${head.pieces.count} pieces in ${pieceWrites.length} writes; ` +
    `longest engine command ${(slowest[2] / 1000).toFixed(2)} ms (${slowest[3][0]}), longest piece write ${(slowestPiece[2] / 1000).toFixed(2)} ms, ` +
    `engine commands over 10 ms: ${engineCommands.filter((e) => e[2] > 10_000).length} of ${engineCommands.length} logged`);
  pieces.length = 0;

  const a = await decoded(head);
  // A new engine restores it: the same book (its own snapshot of it is the same), and trading
  // continues in time priority.
  await first.stop();
  const rec = recordingLogger();
  const second = new SymbolRunner({ spec, redisUrl: server.url, prefix: 'deep', engineId: 'e2', log: rec, ...patient, snapshotEvery: 1 });
  runners.push(second);
  const restoring = Date.now();
  void second.start();
  await second.whenLeader();
  report(`restored by a new engine in ${((Date.now() - restoring) / 1000).toFixed(1)} s`);
  expect(rec.lines.find((l) => l.msg === 'state recovered')?.fields).toMatchObject({ snapshot: last, replayed: 0 });
  const clock = await appendAll(redis, keys, [{ v: 1, kind: 'clock' }]);
  const again = await storedSnapshot(keys, clock);
  const b = await decoded(again);
  expect(b.orders.length).toBe(N);
  expect(JSON.stringify(b.core.bids)).toBe(JSON.stringify(a.core.bids));
  expect(JSON.stringify(b.core.asks)).toBe(JSON.stringify(a.core.asks));
  expect(JSON.stringify(b.orders)).toBe(JSON.stringify(a.orders));
  expect(JSON.stringify([b.md.bids, b.md.asks])).toBe(JSON.stringify([a.md.bids, a.md.asks]));
  // The previous snapshot's pieces are gone with it.
  expect(await redis.exists(head.pieces.key)).toBe(0);

  // The best ask is 50,002 (odd i, i % 2000 === 1): d1 is its oldest order, 2 lots.
  const taker = await appendAll(redis, keys, [place('taker', 'Buy', 50_002, 1)]);
  await waitFor('the taker to be committed', async () => (await redis.get(keys.position)) === taker, { timeoutMs: 120_000 });
  expect(await storedOrder(redis, spec, keys, 'taker')).toMatchObject({ status: 'FILLED' });
  expect(await storedOrder(redis, spec, keys, 'd1')).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.0001 });
}, 2_400_000);
