import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolState, renderOrderView } from '../src/runner';
import Redis from 'ioredis';
import { symbolKeys } from '@xtrader/protocol';
const fake = new Redis({ lazyConnect: true }); const keys = symbolKeys('BTC-KRW');
const spec = loadMarketMap().get('BTC-KRW')!;
function rng(seed: number) { return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
const random = rng(42); const N = 100000;
const entries: [string, string[]][] = [];
for (let i = 0; i < N; i++) {
  let c: object;
  if (i > 10 && random() < 0.1) c = { v: 1, kind: 'cancel', order_id: `o${Math.floor(random() * i)}`, request_id: `r${i}` };
  else { const side = random() < 0.5 ? 'Buy' : 'Sell'; const m = random() < 0.05; c = { v: 1, kind: 'place', order_id: `o${i}`, side, type: m ? 'Market' : 'Limit', tif: m ? 'IOC' : 'GTC', price_ticks: m ? null : 50000 + Math.floor(random() * 21) - 10, qty_lots: 1 + Math.floor(random() * 100) }; }
  entries.push([`${1700000000000 + i}-0`, ['c', JSON.stringify(c)]]);
}
const st = SymbolState.fresh(spec);
let t = performance.now(); let ev = 0; let render = 0;
for (let i = 0; i < N; i++) {
  ev += st.applyEntry(entries[i]).events.length;
  if (i % 1000 === 999) { const r0 = performance.now(); for (const rec of st.views.takeBatch().changed) JSON.stringify(renderOrderView(spec, rec)); st.md.flush(fake.multi(), keys); render += performance.now() - r0; }
}
console.log('apply+render ms', performance.now() - t, 'render ms', render, 'events', ev, 'open', st.views.openCount);
t = performance.now(); const s = JSON.stringify(st.snapshot()); console.log('snapshot ms', performance.now() - t, 'bytes', s.length, 'md', JSON.stringify(st.md.snapshot()).length, 'core', JSON.stringify(st.core.snapshot()).length); process.exit(0);
