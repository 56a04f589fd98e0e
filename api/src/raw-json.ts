import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * JSON bodies and answers on bare `node:http` objects, for the routes served in front of Express.
 * They must read and answer exactly like the Express stack (`express.json({limit: JSON_BODY_LIMIT,
 * type: JSON_TYPE, strict: false})`, the CORS policy, `res.status(s).json(b)`), so they handle only
 * the plain case and leave every other request untouched for Express to decide as before.
 */

/** The only media type read as a body (with any parameters): a form or text/plain is no order. */
export const JSON_TYPE = 'application/json';

/** Whether a Content-Type header names {@link JSON_TYPE} (type-is's rule: parameters ignored, any case). */
export function isJsonType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase() === JSON_TYPE;
}

/** The body size limit, shared with the Express stack's body parser (16 KB). */
export const JSON_BODY_LIMIT = 16 * 1024;

const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-8"?\s*(?:;|$)/i;

/**
 * Whether body-parser would simply read the body as UTF-8 and `JSON.parse` it: JSON content type,
 * a Content-Length from 1 to the limit, no Transfer-Encoding, no Content-Encoding, no charset
 * other than UTF-8. False for anything else (other types, empty, chunked, compressed, too large,
 * other charsets), which is Express's to answer.
 */
export function isPlainJson(req: IncomingMessage): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = headers['content-type'];
  if (!isJsonType(type)) return false;
  if (/charset/i.test(type!) && !UTF8_CHARSET.test(type!)) return false;
  const declared = headers['content-length'];
  if (declared === undefined) return false;
  const length = Number(declared);
  return Number.isInteger(length) && length >= 1 && length <= JSON_BODY_LIMIT;
}

/**
 * Reads a body checked by {@link isPlainJson} and parses it as body-parser does
 * (a leading BOM is dropped, any JSON value is accepted). Rejects with body-parser's error type
 * (`entity.parse.failed`, answered as INVALID_JSON by `toXtError`); stays
 * pending if the client goes away mid-body (there is nobody left to answer).
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return readRawJsonBody(req).then((r) => r.value);
}

/** {@link readJsonBody} with the body's text as received (a signature covers it byte for byte). */
export function readRawJsonBody(req: IncomingMessage): Promise<{ value: unknown; raw: string }> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    req.on('data', (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else (rest ??= [first]).push(chunk);
    });
    req.on('end', () => {
      const bytes = rest ? Buffer.concat(rest) : first;
      const raw = bytes ? bytes.toString('utf8') : '';
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      try {
        resolve({ value: JSON.parse(text), raw });
      } catch {
        reject(Object.assign(new SyntaxError('the body is not valid JSON'), { type: 'entity.parse.failed' }));
      }
    });
    // An aborted upload: the socket is gone, so no answer is owed (Express's would be lost too).
    req.on('error', () => {});
  });
}

/** What the CORS policy (its `headers`) then `res.status(status).json(body)` send. */
export function writeJson(res: ServerResponse, status: number, body: unknown, cors: Record<string, string>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...cors,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}
