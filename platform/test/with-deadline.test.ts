import { execFileSync } from 'node:child_process';
import type Redis from 'ioredis';
import { createRedis, RedisDeadlineError, RedisServer, withDeadline } from '../src';

let server: RedisServer;
let client: Redis;
let other: Redis;

beforeAll(async () => {
  server = await RedisServer.launch();
  client = createRedis(server.url, 'deadline-test');
  other = server.client();
  await client.ping();
});
afterAll(async () => {
  client.disconnect();
  other.disconnect();
  await server.destroy();
});

/** One command through `redis-cli`, synchronously: a look at the server while this process's loop is held. */
function cli(...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(server.port), ...args], { encoding: 'utf8' }).trim();
}

/**
 * Holds the event loop, as applying or encoding a huge book does: until `ready()` says the server
 * has done what it was sent, and at least until `until` (ms since the epoch).
 */
function holdLoop(ready: () => boolean, until: number): void {
  while (!ready()) {
    // redis-cli's own round trip paces this loop.
  }
  while (Date.now() < until) {
    // Nothing but time: the loop is not free to read the reply that has arrived.
  }
}

const DEADLINE_MS = 300;

describe('withDeadline', () => {
  test('a reply that arrived while the event loop was held past the deadline is taken, and the connection is kept', async () => {
    const id = await client.client('ID');
    const started = Date.now();
    const answered = withDeadline(client, client.set('marker', 'small'), DEADLINE_MS, 'setting a key');
    holdLoop(() => cli('GET', 'marker') === 'small', started + 2 * DEADLINE_MS);
    await expect(answered).resolves.toBe('OK');
    // No reconnect: the same connection answers.
    expect(await client.client('ID')).toBe(id);
  });

  test('a large reply that arrived while the loop was held (more than the socket buffers at once) is taken whole', async () => {
    const value = 'x'.repeat(16 * 1024 * 1024);
    await other.set('large', value);
    await other.del('large-read');
    const id = await client.client('ID');
    const started = Date.now();
    // The MULTI's INCR marks that the server has run it; its GET is the 16 MB reply.
    const answered = withDeadline(client, client.multi().incr('large-read').get('large').exec(), DEADLINE_MS, 'reading a large key');
    holdLoop(() => cli('GET', 'large-read') === '1', started + 2 * DEADLINE_MS);
    const replies = await answered;
    expect(replies?.[1]?.[1]).toHaveLength(value.length);
    expect(await client.client('ID')).toBe(id);
  });

  test('a reply that does not come in time still fails, even when the loop was held, and the connection is replaced', async () => {
    const id = await client.client('ID');
    // Every client's writes wait 10 s: the reply cannot come before the deadline.
    await other.client('PAUSE', 10_000, 'WRITE');
    try {
      const started = Date.now();
      const answered = withDeadline(client, client.incr('counter'), DEADLINE_MS, 'counting');
      holdLoop(() => true, started + 2 * DEADLINE_MS);
      await expect(answered).rejects.toThrow(RedisDeadlineError);
    } finally {
      await other.client('UNPAUSE');
    }
    expect(await client.client('ID')).not.toBe(id);
  });

  test('a reply that does not come in time fails at the deadline when the loop is free', async () => {
    await other.client('PAUSE', 10_000, 'WRITE');
    try {
      await expect(withDeadline(client, client.incr('counter'), DEADLINE_MS, 'counting')).rejects.toThrow(/counting: no answer from Redis within 300 ms/);
    } finally {
      await other.client('UNPAUSE');
    }
  });
});
