import { spawn } from 'node:child_process';
import { HttpSender } from './http-sender';

/** The trivial server: answers every POST with a tiny JSON body, nothing else. */
const TRIVIAL_SERVER = `
const http = require('node:http');
const srv = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
srv.listen(0, '127.0.0.1', () => process.stdout.write(String(srv.address().port) + '\\n'));
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
`;

/**
 * What this machine does right now with no exchange in the way: the same HTTP client, as fast as
 * it can, against a trivial Node server in another process, for `seconds`. Load figures are
 * reported against it because the box is shared and its speed varies from run to run.
 */
export async function measureBaseline(connections: number, seconds = 3): Promise<number> {
  const child = spawn(process.execPath, ['-e', TRIVIAL_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('exit', (code) => reject(new Error(`baseline server exited ${code}`)));
  });
  const sender = new HttpSender([`http://127.0.0.1:${port}`], connections);
  const body = JSON.stringify({ symbol: 'X', side: 'Buy', type: 'Limit', price: '1', quantity: '1' });
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      await sender.post('/', body);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const rate = done / ((performance.now() - start) / 1000);
  sender.close();
  child.kill('SIGTERM');
  return Math.round(rate);
}
