import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Where every client of the process reads into (see `onread` below). */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * The least client a benchmark needs to hold thousands of WebSocket connections in one process:
 * the HTTP upgrade on a plain TCP socket, then the server's (unmasked) frames parsed in place and
 * masked text frames sent. Per message it costs a fraction of the `ws` library (a Writable stream
 * per socket, a buffer copy and two events per frame), so a harness process measures the server's
 * latency rather than its own backlog. Not a general client: no fragmentation (the servers under
 * test send every message in one frame), no extensions, no subprotocols.
 */
export class BareWebSocket {
  private readonly socket: Socket;
  private pending: Buffer | null = null;
  private open = false;
  closed = false;

  /**
   * @param onText every text frame's payload, with the time its bytes were read (one time per
   *   TCP read: frames read together arrived together)
   */
  constructor(
    url: string,
    private readonly onText: (payload: Buffer, receivedAt: number) => void,
    private readonly handlers: { onOpen(): void; onClose(): void; onError(e: Error): void },
    private readonly clock: () => number,
  ) {
    const { hostname, port, pathname, search } = new URL(url);
    // `onread` hands each read to us in a buffer shared by every client of the process: no Buffer
    // per read and no Readable stream ('data' events) in between. Safe because a read is parsed
    // synchronously and an incomplete frame is copied out.
    this.socket = connect({
      host: hostname,
      port: Number(port),
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          this.read(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true; // keep reading
        },
      },
    });
    this.socket.on('connect', () => {
      const key = randomBytes(16).toString('base64');
      this.socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (e) => handlers.onError(e));
    this.socket.on('close', () => this.end());
  }

  /** Sends one text frame (masked, as every client frame must be). */
  send(text: string): void {
    if (this.closed) return;
    const payload = Buffer.from(text);
    const n = payload.length;
    const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + n);
    frame[0] = 0x81; // FIN, text
    if (n < 126) frame[1] = 0x80 | n;
    else if (n < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(n, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(n), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, headerLength);
    for (let i = 0; i < n; i++) frame[headerLength + 4 + i] = payload[i] ^ mask[i & 3];
    this.socket.write(frame);
  }

  /** Closes the TCP connection at once. */
  terminate(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    const at = this.clock();
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.open) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.pending = Buffer.from(data); // a copy: `data` may be the shared read buffer
        return;
      }
      const status = data.toString('latin1', 0, data.indexOf('\r\n'));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.handlers.onError(new Error(`upgrade refused: ${status}`));
        this.socket.destroy();
        return;
      }
      this.open = true;
      this.handlers.onOpen();
      data = data.subarray(end + 4);
    }
    let offset = 0;
    while (data.length - offset >= 2) {
      const opcode = data[offset] & 0x0f;
      let length = data[offset + 1] & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (data.length - offset < header + length) break;
      const payload = data.subarray(offset + header, offset + header + length);
      offset += header + length;
      if (opcode === 1) this.onText(payload, at);
      else if (opcode === 8) {
        this.socket.end();
        this.end();
        return;
      }
      // Pings/pongs at the WebSocket level: the servers under test use application pings.
    }
    if (offset < data.length) this.pending = Buffer.from(data.subarray(offset));
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose();
  }
}
