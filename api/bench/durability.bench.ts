/**
 * The latency cost of XT_DURABILITY=replica: `npx tsx api/bench/durability.bench.ts`. A real
 * Redis Cluster (3 primaries + 3 replicas on loopback), two in-process api nodes on it (one
 * answering after the primary's append, one after WAIT 1 on the append's node), and one client
 * placing orders one after the other on each, alternating rounds; prints p50/p99 ms per place.
 * No engine runs: the market check is told every market is up, and nothing matches.
 */
import { createLogger, RedisCluster } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { ApiClient } from '../../infra/src/api-client';
import { placeOrder } from '../../infra/test/support/exchange-client';
import { startApi } from '../src/app';

async function main() {
  const cluster = await RedisCluster.launch({ appendOnly: false });
  const common = { redisUrl: { clusterNodes: cluster.seeds }, prefix: 'bench', markets: loadMarketMap(), port: 0, host: '127.0.0.1', log: createLogger('b', 'silent'), marketHealth: { checkMs: 60_000, graceMs: Number.MAX_SAFE_INTEGER } };
  const plain = await startApi(common);
  const durable = await startApi({ ...common, durability: { replicas: 1, timeoutMs: 1000 } });
  const trader = await ApiClient.withNewAccount(plain.url, 'bench');
  const clients = { primary: new ApiClient(plain.url, 10_000, trader.credentials), replica: new ApiClient(durable.url, 10_000, trader.credentials) };
  const run = async (c: ApiClient, n: number) => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      await placeOrder(c, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '1000', quantity: '0.001' });
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    t.sort((a, b) => a - b);
    return { p50: t[Math.floor(n / 2)].toFixed(2), p99: t[Math.floor(n * 0.99)].toFixed(2) };
  };
    // Warm-up of both paths (connections, script loads, JIT).
  await run(clients.primary, 200);
  await run(clients.replica, 200);
  for (let round = 0; round < 2; round++) for (const [k, c] of Object.entries(clients)) console.log(JSON.stringify({ round, durability: k, ...(await run(c, 1000)) }));
  await plain.close();
  await durable.close();
  await cluster.destroy();
  process.exit(0);
}
void main();
