import { createServer, connect, type Server, type Socket } from 'node:net';
import { WriteBatch } from '../src/write-batch';

/** A connected TCP pair on loopback: `client` is written to, `server` side collects the bytes. */
async function pair(): Promise<{ client: Socket; received: () => string; until: (text: string) => Promise<void>; close: () => Promise<void> }> {
  let peer!: Socket;
  let data = '';
  const waiters: (() => void)[] = [];
  const server: Server = createServer((s) => {
    peer = s;
    s.on('data', (b) => {
      data += b.toString();
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port });
  await Promise.all([new Promise<void>((r) => server.once('connection', () => r())), new Promise<void>((r) => client.once('connect', () => r()))]);
  const until = async (text: string) => {
    while (!data.includes(text)) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    client,
    received: () => data,
    until,
    close: async () => {
      client.destroy();
      peer.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('a write batch', () => {
  test('outside a batch writes go straight out; inside, each socket is corked once and flushed at the end, in order', async () => {
    const p = await pair();
    try {
      const batch = new WriteBatch();
      batch.write(p.client, Buffer.from('a'));
      expect(p.client.writableCorked).toBe(0);
      batch.during(() => {
        batch.write(p.client, Buffer.from('b'));
        batch.write(p.client, Buffer.from('c'));
        expect(p.client.writableCorked).toBe(1);
        expect(p.client.writableLength).toBe(2);
      });
      expect(p.client.writableCorked).toBe(0);
      batch.write(p.client, Buffer.from('d'));
      await p.until('abcd');
      expect(p.received()).toBe('abcd');
    } finally {
      await p.close();
    }
  });
});
