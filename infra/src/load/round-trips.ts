/**
 * `npm run load:round-trips -- --count 300`: what one bot sees at light load, one request at a
 * time: place a resting Limit Buy (?wait=true), cancel it, and place a crossing pair whose taker
 * waits for its fill (`?wait=true`), `--count` times on a stack it starts (npm start's
 * single-machine topology). Each answer here waits for the account's ledger shard, so these
 * round trips include the settlement. The last line of stdout is one JSON object:
 * {"count","rest_p50_ms","rest_p99_ms","cancel_p50_ms","cancel_p99_ms","taker_p50_ms","taker_p99_ms"}.
 */
import { randomBytes } from 'node:crypto';
import { startStack } from '../stack';
import { ApiClient } from '../api-client';
import { LatencyRecorder } from './latency';

const adminToken = randomBytes(18).toString('base64url');

function countArg(argv: string[]): number {
  const i = argv.indexOf('--count');
  const n = i >= 0 ? Number(argv[i + 1]) : 300;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error('--count must be an integer from 1 to 100000');
  return n;
}

async function timed<T>(into: LatencyRecorder, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  into.recordMs(performance.now() - t0);
  return out;
}

async function main(): Promise<void> {
  const count = countArg(process.argv.slice(2));
  const env = { LOG_LEVEL: 'warn', NODE_ENV: 'production', API_RATE_LIMIT: '0', API_ACCOUNT_RATE_LIMIT: '0', XT_ADMIN_TOKEN: adminToken };
  const stack = await startStack({ apis: 1, realtimes: 1, enginesPerSymbol: 1, symbols: ['BTC-KRW'], env });
  try {
    const url = stack.apiUrls[0]!;
    const [maker, taker] = await Promise.all([ApiClient.withNewAccount(url, 'rt', undefined, { adminToken }), ApiClient.withNewAccount(url, 'rt', undefined, { adminToken })]);
    const rest = new LatencyRecorder();
    const cancel = new LatencyRecorder();
    const take = new LatencyRecorder();
    const limit = (side: 'Buy' | 'Sell', price: number) => ({ symbol: 'BTC-KRW', side, type: 'Limit', price, quantity: 0.0001 });
    for (let i = 0; i < count; i++) {
      const resting = await timed(rest, () => maker.request<{ order_id: string }>('POST', '/api/v1/order?wait=true', limit('Buy', 40_000_000)));
      await timed(cancel, () => maker.request('DELETE', `/api/v1/order/${resting.order_id}`));
      await maker.request('POST', '/api/v1/order?wait=true', limit('Sell', 50_000_000));
      await timed(take, () => taker.request('POST', '/api/v1/order?wait=true', limit('Buy', 50_000_000)));
    }
    const figures = (r: LatencyRecorder) => [r.percentileMs(50), r.percentileMs(99)].map((x) => Math.round(x * 100) / 100);
    const [restP50, restP99] = figures(rest);
    const [cancelP50, cancelP99] = figures(cancel);
    const [takerP50, takerP99] = figures(take);
    console.log(JSON.stringify({ count, rest_p50_ms: restP50, rest_p99_ms: restP99, cancel_p50_ms: cancelP50, cancel_p99_ms: cancelP99, taker_p50_ms: takerP50, taker_p99_ms: takerP99 }));
  } finally {
    await stack.stop();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
