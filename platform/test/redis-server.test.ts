/**
 * A test's redis-server gets a port the OS said was free; another process can take it before
 * redis-server binds it (suites start servers in parallel). Launching then picks another port
 * instead of failing the suite.
 */
import { createServer, type Server } from 'node:net';
import { freePort, RedisServer } from '../src/redis-server';

test('a port taken between the pick and the bind: the server starts on another one', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  const busy = (taken.address() as { port: number }).port;
  const picks: number[] = [];
  // The first pick is the port someone else just took; the next ones are the OS's.
  const pickPort = async () => {
    const port = picks.length === 0 ? busy : await freePort();
    picks.push(port);
    return port;
  };
  const server = await RedisServer.launch({ pickPort });
  try {
    expect(picks[0]).toBe(busy);
    expect(server.port).not.toBe(busy);
    expect(server.port).toBe(picks[picks.length - 1]);
    const client = server.client();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  } finally {
    await server.destroy();
    taken.close();
  }
});

test('a port given by the caller is not replaced: a taken one fails the launch', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  const busy = (taken.address() as { port: number }).port;
  await expect(RedisServer.launch({ port: busy })).rejects.toThrow(/Address already in use/);
  taken.close();
});
