/**
 * `POST /api/v1/order` is served in front of Express (accept-fast-path.ts); `/api/v1/order/`
 * (trailing slash) still reaches the Express route. Both must answer every request alike, and the
 * requests the fast path does not read itself (chunked, compressed, other charsets, empty) must
 * get Express's answers.
 */
import { request } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { signedHeaders } from '@xtrader/protocol/node';
import { commandLengths, startStack, type Stack } from './helpers';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ engines: false });
});
afterAll(async () => {
  await stack?.stop();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One request with full control of headers and framing: `length` sends a Content-Length and the
 * body at once, `chunked` sends it chunked, `split` sends a Content-Length and the body in two
 * writes, the second after the first has gone out (split at byte 5).
 */
type Framing = 'length' | 'chunked' | 'split';
function raw(path: string, body: Buffer | string, headers: Record<string, string> = {}, framing: Framing = 'length'): Promise<Raw> {
  const chunked = framing === 'chunked';
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  // Signed over the body as the server reads it (a compressed one after decompressing).
  const signedBody = (headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
  const auth = signedHeaders(stack.account.apiKey, stack.account.apiSecret, 'POST', path, signedBody);
  return new Promise((resolve, reject) => {
    const req = request(
      `${stack.api.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...(chunked ? {} : { 'content-length': String(bytes.length) }), ...headers } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (framing !== 'length' && bytes.length > 5) {
      req.write(bytes.subarray(0, 5), () => req.end(bytes.subarray(5)));
    } else {
      req.end(bytes);
    }
  });
}

/** An answer without what differs between two accepted orders. */
const comparable = (r: Raw) => ({
  status: r.status,
  body: r.body?.order_id ? { ...r.body, order_id: 'x' } : r.body,
  type: r.headers['content-type'],
  cors: r.headers['access-control-allow-origin'],
});

const ok = JSON.stringify({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.5 });

const cases: [name: string, body: Buffer | string, headers?: Record<string, string>, framing?: Framing][] = [
  ['a valid order', ok],
  ['a valid order with a client_order_id', JSON.stringify({ symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '50000000', quantity: '0.5', client_order_id: 'fast-1' })],
  ['a BOM before the JSON', `\uFEFF${ok}`],
  ['text/plain content type', ok, { 'content-type': 'text/plain' }],
  ['charset=UTF-8', ok, { 'content-type': 'application/json; charset=UTF-8' }],
  ['charset=latin1 (unsupported)', ok, { 'content-type': 'application/json; charset=latin1' }],
  ['chunked', ok, {}, 'chunked'],
  ['gzip', gzipSync(ok), { 'content-encoding': 'gzip' }],
  ['unknown content-encoding', ok, { 'content-encoding': 'snappy' }],
  ['empty body', ''],
  ['malformed JSON', '{"symbol": "BTC-KRW",'],
  ['a JSON string', '"order"'],
  ['over 16kb', JSON.stringify({ pad: 'x'.repeat(17_000) })],
  ['over 16kb chunked', JSON.stringify({ pad: 'x'.repeat(17_000) }), {}, 'chunked'],
  // Bytes 4-5 are the two bytes of "é": the body arrives with a character cut in two.
  ['a multi-byte character split across writes', '{"aaé": 1}', {}, 'split'],
  ['a valid order split across writes', ok, {}, 'split'],
];

describe('the fast path and the Express route answer alike', () => {
  test.each(cases)('%s', async (_name, body, headers = {}, framing = 'length') => {
    const fast = await raw('/api/v1/order', body, headers, framing);
    const viaExpress = await raw('/api/v1/order/', body, headers, framing);
    expect(comparable(fast)).toEqual(comparable(viaExpress));
    expect(fast.headers['x-powered-by']).toBeUndefined();
    expect(fast.headers.etag).toBeUndefined();
  });

  test('query: wait and timeout_ms are checked the same way (bad values enqueue nothing)', async () => {
    const before = await commandLengths(stack);
    for (const query of ['wait=maybe', 'wait=true&timeout_ms=0', 'wait=true&timeout_ms=99999', 'wait=true&wait=false', 'timeout_ms=abc']) {
      const fast = await raw(`/api/v1/order?${query}`, ok);
      const viaExpress = await raw(`/api/v1/order/?${query}`, ok);
      expect(fast.status).toBe(400);
      expect(comparable(fast)).toEqual(comparable(viaExpress));
    }
    expect(await commandLengths(stack)).toEqual(before);
  });

  test('/v1/order is served too, and every answer is counted under its route', async () => {
    expect((await raw('/v1/order', ok)).status).toBe(202);
    expect((await raw('/api/v1/order', '{oops')).status).toBe(400);
    const metrics = await fetch(`${stack.api.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/xt_api_requests_total\{method="POST",route="\/v1\/order",status="202"\} [1-9]/);
    expect(metrics).toMatch(/xt_api_requests_total\{method="POST",route="\/api\/v1\/order",status="400"\} [1-9]/);
    expect(metrics).toMatch(/xt_api_errors_total\{code="INVALID_JSON"\} [1-9]/);
    expect(metrics).toMatch(/xt_api_request_duration_seconds_count\{method="POST",route="\/api\/v1\/order"\} [1-9]/);
  });
});

describe('appends rotate over several Redis connections', () => {
  test('concurrent retries of one client_order_id append once and all get the first answer', async () => {
    const before = await commandLengths(stack);
    const body = JSON.stringify({ symbol: 'ETH-KRW', side: 'Buy', type: 'Limit', price: 1000, quantity: 1, client_order_id: 'spread-1' });
    const answers = await Promise.all(Array.from({ length: 12 }, () => raw('/api/v1/order', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(202));
    expect(new Set(answers.map((a) => a.body.order_id)).size).toBe(1);
    const after = await commandLengths(stack);
    expect(after['ETH-KRW']).toBe(before['ETH-KRW'] + 1);
    const different = await raw('/api/v1/order', body.replace('"price":1000', '"price":2000'));
    expect(different.status).toBe(409);
  });

  test('the api holds its append connections (named in CLIENT LIST)', async () => {
    const clients = String(await stack.redis.client('LIST'));
    expect(clients).toMatch(/name=xt-api-append-3 /);
  });
});
