import type { EngineEvent, MarketSpec, TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../src/core';
import { markets, prng } from './helpers';
import { randomTape } from './random-tape';
import { ReferenceMatcher } from './reference-matcher';

const TAPES = 100;
const COMMANDS = 10_000;
const specs: MarketSpec[] = [...markets.values()];

describe('MatchingCore against a naive reference matcher', () => {
  const seeds = Array.from({ length: TAPES }, (_, i) => 1000 + i);
  test.each(seeds)('random tape %i (10,000 commands): identical events and final book', (seed) => {
    const spec = specs[seed % specs.length];
    // Finished-id memories smaller than the tape, so forgetting old ids is exercised too (and the
    // reference's linear scan of them stays cheap).
    const capacity = seed % 4 === 0 ? 50 : 300;
    const core = new MatchingCore(spec, { recentIdCapacity: capacity });
    const reference = new ReferenceMatcher(spec, capacity);
    const tape = randomTape(seed, COMMANDS);
    let trades = 0;
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) {
        // Only build the (slow) diff on failure; the message names the command that diverged.
        expect({ command: i, cmd: tape[i], events: JSON.parse(got) }).toEqual({ command: i, cmd: tape[i], events: JSON.parse(want) });
      }
      trades += (got.match(/"kind":"trade"/g) ?? []).length;
    }
    const depth = reference.depth();
    expect(core.depth(1_000_000)).toEqual(depth);
    expect(core.openOrders).toBeGreaterThan(0);
    // The tape must actually exercise matching, not just resting orders.
    expect(trades).toBeGreaterThan(COMMANDS / 10);
  });
});

describe('MatchingCore against the reference matcher, with amends', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 5000 + i);
  test.each(seeds)('random tape %i with amends (10,000 commands): identical events and final book', (seed) => {
    const spec = specs[seed % specs.length];
    const capacity = seed % 4 === 0 ? 50 : 300;
    const core = new MatchingCore(spec, { recentIdCapacity: capacity });
    const reference = new ReferenceMatcher(spec, capacity);
    const tape = randomTape(seed, COMMANDS, { amends: true });
    const seen = new Map<string, number>();
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) {
        expect({ command: i, cmd: tape[i], events: JSON.parse(got) }).toEqual({ command: i, cmd: tape[i], events: JSON.parse(want) });
      }
      if (tape[i].kind !== 'amend') continue;
      const first = (JSON.parse(got) as EngineEvent[])[0];
      const key = first.kind === 'amended' ? `amended kept_priority ${first.kept_priority}` : first.kind === 'amend_rejected' ? first.code : first.kind;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(core.depth(1_000_000)).toEqual(reference.depth());
    // The tape exercises both kinds of amend and the rejections.
    const kinds = [...seen.keys()].sort();
    expect(kinds).toEqual(expect.arrayContaining(['amended kept_priority true', 'amended kept_priority false', 'ORDER_NOT_FOUND', 'NOTHING_CHANGED', 'INVALID_QUANTITY', 'INVALID_PRICE']));
  });
});

describe('MatchingCore against the reference matcher, with accounts, self-trade prevention and budgets', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 8000 + i);
  test.each(seeds)('random tape %i with owners, STP modes, quote budgets and amends (10,000 commands): identical events and final book', (seed) => {
    const spec = specs[seed % specs.length];
    const capacity = seed % 4 === 0 ? 50 : 300;
    const core = new MatchingCore(spec, { recentIdCapacity: capacity });
    const reference = new ReferenceMatcher(spec, capacity);
    const tape = randomTape(seed, COMMANDS, { amends: true, accounts: true });
    const reasons = new Map<string, number>();
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) {
        expect({ command: i, cmd: tape[i], events: JSON.parse(got) }).toEqual({ command: i, cmd: tape[i], events: JSON.parse(want) });
      }
      for (const e of JSON.parse(got) as EngineEvent[]) if (e.kind === 'cancelled' || e.kind === 'rejected') reasons.set(e.kind === 'cancelled' ? e.reason : e.code, (reasons.get(e.kind === 'cancelled' ? e.reason : e.code) ?? 0) + 1);
    }
    expect(core.depth(1_000_000)).toEqual(reference.depth());
    // The tape reaches every way an order can end early.
    expect([...reasons.keys()]).toEqual(expect.arrayContaining(['SELF_TRADE_PREVENTION', 'budget_spent', 'FOK_CANNOT_FILL']));
    const restored = MatchingCore.restore(spec, JSON.parse(JSON.stringify(core.snapshot())));
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(core.snapshot()));
  });
});

describe('MatchingCore against the reference matcher on a wide book', () => {
  test('levels that empty and refill, then many empty levels at once (kept, reused, then dropped): identical events and depth', () => {
    const spec = specs[0];
    const core = new MatchingCore(spec);
    const reference = new ReferenceMatcher(spec, 10_000);
    const random = prng(77);
    let ts = 1_700_000_000_000;
    let n = 0;
    const tape: TimedCommand[] = [];
    const place = (side: 'Buy' | 'Sell', price: number | null, qty: number, tif: 'GTC' | 'IOC' | 'FOK' = 'GTC') =>
      tape.push({ v: 1, kind: 'place', order_id: `w${n++}`, side, type: price === null ? 'Market' : 'Limit', tif, price_ticks: price, qty_lots: qty, ts: ++ts });
    const cancel = (id: string) => tape.push({ v: 1, kind: 'cancel', order_id: id, request_id: `c-${id}`, ts: ++ts });
    for (let round = 0; round < 4; round++) {
      const first = n;
      // 300 asks on 300 prices, then most of them cancelled in random order: hundreds of empty levels.
      for (let p = 0; p < 300; p++) place('Sell', 2000 + p, 1 + (p % 3));
      const ids = Array.from({ length: 300 }, (_, k) => `w${first + k}`).sort(() => random() - 0.5);
      for (const id of ids.slice(0, 280)) cancel(id);
      // Refill some emptied prices, then take liquidity through them (FOK included) and past them.
      for (let k = 0; k < 40; k++) place('Sell', 2000 + Math.floor(random() * 300), 1 + Math.floor(random() * 4));
      place('Buy', 2150, 20, 'FOK');
      place('Buy', 2100, 15, 'IOC');
      place('Buy', null, 10, 'IOC');
      place('Buy', 2310, 500, 'FOK');
      place('Buy', 2310, 30);
    }
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) expect({ command: i, events: JSON.parse(got) }).toEqual({ command: i, events: JSON.parse(want) });
      if (i % 50 === 0) expect(core.depth(1_000_000)).toEqual(reference.depth());
    }
    expect(core.depth(1_000_000)).toEqual(reference.depth());
    const restored = MatchingCore.restore(spec, JSON.parse(JSON.stringify(core.snapshot())));
    expect(restored.depth(1_000_000)).toEqual(core.depth(1_000_000));
  });
});

describe('MatchingCore against the reference matcher, prices spread wider than its price window', () => {
  // A price mapping that keeps the order of prices keeps every answer the same, so the random
  // tapes run as they are with their prices spread apart, and through cores with narrow windows:
  // levels outside the window (kept in its tree) on both sides of it, fill-or-kill checks that
  // sum both, and the window placed again and again.
  const spread: Record<string, (p: number) => number> = {
    'prices as they are': (p) => p,
    'prices x4000': (p) => p * 4_000,
    'prices p^2 x20': (p) => p * p * 20,
  };
  const scaled = (f: (p: number) => number) => (p: number | null | undefined) => (typeof p === 'number' && Number.isSafeInteger(p) && p > 0 ? f(p) : p);
  const cases = Object.keys(spread).flatMap((name) => [32, 256, undefined].flatMap((window) => [0, 1, 2].map((k) => [name, window ?? 'default', 7000 + k] as const)));
  test.each(cases)('%s, window %s, random tape %i with amends: identical events and final book', (name, window, seed) => {
    const spec = specs[seed % specs.length];
    const core = new MatchingCore(spec, { recentIdCapacity: 300, priceWindowTicks: window === 'default' ? undefined : window });
    const reference = new ReferenceMatcher(spec, 300);
    const map = scaled(spread[name]);
    const tape = randomTape(seed, COMMANDS, { amends: true }).map((c): TimedCommand => {
      if (c.kind === 'place') return { ...c, price_ticks: map(c.price_ticks) as number | null };
      if (c.kind === 'amend' && c.price_ticks !== undefined) return { ...c, price_ticks: map(c.price_ticks) as number };
      return c;
    });
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) expect({ command: i, cmd: tape[i], events: JSON.parse(got) }).toEqual({ command: i, cmd: tape[i], events: JSON.parse(want) });
      if (i % 1000 === 0) expect(core.depth(1_000_000)).toEqual(reference.depth());
    }
    expect(core.depth(1_000_000)).toEqual(reference.depth());
    const restored = MatchingCore.restore(spec, JSON.parse(JSON.stringify(core.snapshot())));
    expect(restored.depth(1_000_000)).toEqual(core.depth(1_000_000));
  });
});
