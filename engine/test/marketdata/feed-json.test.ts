import type { Execution, MarketMessage, Trade } from '@xtrader/protocol';
import { MarketData } from '../../src/marketdata';
import { marketMessageJson, tradeJson } from '../../src/marketdata/feed-json';
import { BTC, command, Events } from './helpers';

// The feed and the trade list are written as text directly; realtime and the api read them, so
// the text must be exactly JSON.stringify of the objects MarketData builds.
describe('feed and trade JSON', () => {
  const T0 = Date.UTC(2026, 0, 5, 12, 0);

  function run(): { messages: MarketMessage[]; trades: Trade[] } {
    const md = new MarketData(BTC);
    const ev = new Events();
    const messages: MarketMessage[] = [];
    const trades: Trade[] = [];
    for (let i = 0; i < 400; i++) {
      const ts = T0 + i * 7_919;
      // Ids with characters JSON must escape, odd lot counts (fractional quantities and fees).
      const extra = { taker_order_id: i % 3 === 0 ? `t"\\\n${i}` : `t${i}`, maker_order_id: i % 5 === 0 ? `m\u2028${i}` : `m${i}`, taker_fee: 7 * i + 3, maker_fee: 3 * i + 1 };
      const taken = [ev.trade(ts, 50_000 + (i % 13), 1 + ((i * 37) % 997), i % 2 ? 'Buy' : 'Sell', extra)];
      // Now and then a taker sweeps two makers: two trades at one time.
      if (i % 10 === 0) taken.push(ev.trade(ts, 50_001, 2, 'Buy'));
      command(md, ts, [...taken, ev.book(ts, 'Buy', 49_990, i + 1)]);
      if (i % 25 === 24) {
        const changes = md.takeChanges();
        messages.push(...changes.messages);
        trades.push(...changes.trades);
      }
    }
    return { messages, trades };
  }

  test('every feed message is written exactly as JSON.stringify writes it', () => {
    const { messages } = run();
    const executions = messages.filter((m) => m.type === 'Execution');
    expect(executions.length).toBe(440);
    for (const m of executions) expect(m.transaction_time).toBe(new Date(m.timestamp!).toISOString());
    expect(messages.length).toBeGreaterThan(executions.length);
    for (const m of messages) expect(marketMessageJson(m)).toBe(JSON.stringify(m));
    // Also after a round trip through JSON (messages restored from a snapshot's pending work).
    for (const m of messages) expect(marketMessageJson(JSON.parse(JSON.stringify(m)) as MarketMessage)).toBe(JSON.stringify(m));
  });

  test('an execution without every field still gives its exact JSON', () => {
    const m: Execution = { type: 'Execution', exec_id: 'e"1', order_id: 'o1', symbol: 'BTC-KRW', side: 'Buy', price: 50_000_000, quantity: 0.0123, fee: 12.5 };
    expect(marketMessageJson(m)).toBe(JSON.stringify(m));
    expect(marketMessageJson({ ...m, sequence: 4, prev_sequence: 0 })).toBe(JSON.stringify({ ...m, sequence: 4, prev_sequence: 0 }));
  });

  test('stored trades are written exactly as JSON.stringify writes them', () => {
    const { trades } = run();
    expect(trades.length).toBe(440);
    for (const t of trades) expect(tradeJson(t)).toBe(JSON.stringify(t));
  });
});
