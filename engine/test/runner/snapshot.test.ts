import { encodeStoredFill, FIELDS } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolState, type EngineSnapshot, type EngineSnapshotV1, type EngineSnapshotV2, type EngineSnapshotV3 } from '../../src/runner/symbol-state';

// Recovery continues from a snapshot's JSON: restoring it must give back the very same state,
// whichever version wrote it.
test('a snapshot restores to the same state, as do the older versions of it', () => {
  const spec = loadMarketMap().get('BTC-KRW')!;
  const state = SymbolState.fresh(spec);
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 3000; i++) {
    const cmd =
      i > 10 && random() < 0.1
        ? { v: 1, kind: 'cancel', order_id: `o${Math.floor(random() * i)}`, request_id: `r${i}` }
        : { v: 1, kind: 'place', order_id: `o${i}`, side: random() < 0.5 ? 'Buy' : 'Sell', type: 'Limit', tif: 'GTC', price_ticks: 50_000 + Math.floor(random() * 11) - 5, qty_lots: 1 + Math.floor(random() * 9) };
    // Some minutes apart now and then, so candles close and the pending market data is not empty.
    state.applyEntry([`${1_700_000_000_000 + i * 997}-0`, [FIELDS.command, JSON.stringify(cmd)]]);
    if (i % 500 === 499) {
      const json = JSON.stringify(state.snapshot());
      const restored = SymbolState.fromSnapshot(spec, JSON.parse(json));
      expect(JSON.stringify(restored.snapshot())).toBe(json);
      // A version 1 snapshot (open orders as record objects) restores to the same state.
      const v1: EngineSnapshotV1 = { ...(JSON.parse(json) as EngineSnapshot), v: 1, orders: state.orders.liveOpen() };
      expect(JSON.stringify(SymbolState.fromSnapshot(spec, JSON.parse(JSON.stringify(v1))).snapshot())).toBe(json);
      // So does a version 3 snapshot (each open order's fills inside its state)...
      const v4 = JSON.parse(json) as EngineSnapshot;
      const fillsOf = new Map(state.orders.liveOpen().map((o) => [o.order_id, o.fills.map((f) => JSON.parse(encodeStoredFill(f)) as unknown)]));
      const v3: EngineSnapshotV3 = { ...v4, v: 3, orders: v4.orders.map(([st, created, updated]) => [[...st.slice(0, 13), fillsOf.get(st[0]), ...st.slice(15)], created, updated]) };
      expect(JSON.stringify(SymbolState.fromSnapshot(spec, JSON.parse(JSON.stringify(v3))).snapshot())).toBe(json);
      // ...and a version 2 snapshot (each open order one array, its times in the middle).
      const v2: EngineSnapshotV2 = { ...v3, v: 2, orders: v3.orders.map(([st, created, updated]) => [...st.slice(0, 12), created, updated, ...st.slice(12)]) };
      expect(JSON.stringify(SymbolState.fromSnapshot(spec, JSON.parse(JSON.stringify(v2))).snapshot())).toBe(json);
    }
  }
  expect(state.orders.openCount).toBeGreaterThan(0);
});
