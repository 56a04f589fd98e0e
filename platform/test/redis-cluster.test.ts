import { Cluster } from 'ioredis';
import { createRedis, parseNodeList, redisTarget, RedisCluster, WRITE_ONCE_OPTIONS, type RedisClient } from '../src';

describe('RedisCluster (a real cluster of redis-server processes)', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await RedisCluster.launch();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('has three primaries, each serving slots and each with one replica', async () => {
    const nodes = await cluster.nodes();
    const primaries = nodes.filter((n) => n.role === 'master');
    expect(primaries).toHaveLength(3);
    expect(primaries.every((p) => p.slots.length > 0)).toBe(true);
    const slots = primaries.flatMap((p) => p.slots).reduce((n, [from, to]) => n + to - from + 1, 0);
    expect(slots).toBe(16384);
    for (const p of primaries) expect(nodes.filter((n) => n.primaryId === p.id)).toHaveLength(1);
  });

  it('serves keys of different slots from different primaries through one ioredis Cluster client', async () => {
    const client = cluster.client();
    try {
      const tags = ['BTC-KRW', 'ETH-KRW', 'XRP-KRW', 'SOL-KRW', 'ledger-0', 'ledger-1', 'ledger-2', 'ledger-3'];
      for (const t of tags) await client.set(`t:{${t}}:k`, t);
      for (const t of tags) expect(await client.get(`t:{${t}}:k`)).toBe(t);
      // The keys really are spread: more than one primary holds some.
      const holders = new Set<number>();
      for (const p of await cluster.primaryPorts()) {
        const node = cluster.server(p).client();
        if ((await node.dbsize()) > 0) holders.add(p);
        node.disconnect();
      }
      expect(holders.size).toBeGreaterThan(1);
    } finally {
      client.disconnect();
    }
  });

  describe('createRedis on a cluster target (REDIS_CLUSTER_NODES)', () => {
    let client: RedisClient;
    beforeAll(() => {
      client = createRedis(redisTarget({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: cluster.nodesSetting }), 'test');
    });
    afterAll(() => client.disconnect());

    it('is a cluster client whose scripts and MULTI run in the slot of their keys', async () => {
      expect(client).toBeInstanceOf(Cluster);
      client.defineCommand('xtTestIncrBoth', { numberOfKeys: 2, lua: "return {redis.call('INCR', KEYS[1]), redis.call('INCR', KEYS[2])}" });
      const both = client as RedisClient & { xtTestIncrBoth(a: string, b: string): Promise<number[]> };
      expect(await both.xtTestIncrBoth('t:{ETH-KRW}:a', 't:{ETH-KRW}:b')).toEqual([1, 1]);
      const replies = await client.multi().incr('t:{XRP-KRW}:a').incr('t:{XRP-KRW}:b').exec();
      expect(replies).toEqual([[null, 1], [null, 1]]);
      // What the cluster refuses, it refuses: a script over two slots.
      await expect(both.xtTestIncrBoth('t:{ETH-KRW}:a', 't:{XRP-KRW}:a')).rejects.toThrow(/CROSSSLOT|same slot/);
    });

    it('passes the write-once policy on: no re-send after a closed connection, no offline queue, primaries only', () => {
      const once = createRedis({ clusterNodes: cluster.seeds }, 'test-once', WRITE_ONCE_OPTIONS) as Cluster;
      try {
        expect(once.options.retryDelayOnFailover).toBe(0);
        expect(once.options.enableOfflineQueue).toBe(false);
        expect(once.options.redisOptions?.autoResendUnfulfilledCommands).toBe(false);
        expect(once.options.scaleReads).toBe('master');
      } finally {
        once.disconnect();
      }
    });

    it('without REDIS_CLUSTER_NODES is the one server of REDIS_URL', () => {
      expect(redisTarget({ REDIS_URL: 'redis://h:1' })).toBe('redis://h:1');
      expect(parseNodeList('a:1, b:2')).toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
      expect(() => parseNodeList('a:1,b')).toThrow(/host:port/);
    });
  });

  describe('failover', () => {
    it('promotes a replica when a primary is killed, and serves that primary\'s slots again', async () => {
      const client = cluster.client();
      try {
        await client.set('t:{BTC-KRW}:survives', 'yes');
        await client.wait(1, 5000); // the replica has it before the primary dies
        const slot = Number(await client.cluster('KEYSLOT', 't:{BTC-KRW}:survives'));
        const before = await cluster.nodes();
        const owner = before.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))!;
        await cluster.server(owner.port).kill();
        await cluster.waitHealthy();
        const after = await cluster.nodes();
        const newOwner = after.find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b))!;
        expect(newOwner.port).not.toBe(owner.port);
        expect(newOwner.id).toBe(before.find((n) => n.primaryId === owner.id)!.id);
        expect(await client.get('t:{BTC-KRW}:survives')).toBe('yes');
      } finally {
        client.disconnect();
      }
    });
  });
});
