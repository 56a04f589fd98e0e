import WebSocket from 'ws';

const Sender = (WebSocket as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } }).Sender;

/** Frame options of an unmasked, uncompressed text frame (what a server sends). */
const TEXT_FRAME = { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true } as const;

/**
 * One message on its way out, encoded lazily and at most once per transport however many
 * clients receive it: the JSON text (for /ws) and the socket.io packet with its WebSocket frame
 * (the same pre-encoding socket.io's own room broadcast does).
 */
export class Outgoing {
  private wsData?: Buffer;
  private wsWhole?: Buffer;
  private sio?: { packet: string; frame: Buffer };
  private relinked?: Map<unknown, Outgoing>;
  /**
   * When the node read it from the feed (ms since epoch), until its first socket write observes
   * the read -> socket hop through `onFirstWrite` (once per message, however many receive it).
   */
  private pendingHop?: { readAt: number; observe: (seconds: number) => void };

  /**
   * @param message the message object (with `type`)
   * @param id the feed stream id it came from (market messages only)
   * @param json its JSON text when already known (the feed entry as the engine wrote it)
   */
  constructor(
    readonly message: { type: string; [k: string]: unknown },
    readonly id?: string,
    private json?: string,
  ) {}

  get type(): string {
    return this.message.type;
  }

  /** Times the read -> socket write hop of this message: `observe` gets seconds at its first write. */
  timeFirstWrite(readAt: number, observe: (seconds: number) => void): void {
    this.pendingHop = { readAt, observe };
  }

  /** Called by a transport as it writes the message to a socket. */
  written(): void {
    const hop = this.pendingHop;
    if (hop === undefined) return;
    this.pendingHop = undefined;
    hop.observe(Math.max(0, Date.now() - hop.readAt) / 1000);
  }

  get text(): string {
    return (this.json ??= JSON.stringify(this.message));
  }

  /** The /ws frame payload. */
  get wsPayload(): Buffer {
    return (this.wsData ??= Buffer.from(this.text));
  }

  /**
   * The complete /ws WebSocket frame (header + payload) in one buffer: written as is to every
   * receiver's socket, one plain write each instead of framing and a writev per receiver.
   */
  get wsFrame(): Buffer {
    return (this.wsWhole ??= Buffer.concat(Sender.frame(this.wsPayload, TEXT_FRAME)));
  }

  /** socket.io EVENT packet for namespace '/': `2["<type>",<message>]`. */
  get socketIoPacket(): string {
    return this.socketIo().packet;
  }

  /** The whole WebSocket frame of the engine.io message carrying {@link socketIoPacket}. */
  get socketIoFrame(): Buffer {
    return this.socketIo().frame;
  }

  /**
   * A copy with `prev_sequence` replaced (conflation links a message to the one it replaces).
   * Remembered per value: every client that conflated the same pair shares one copy, encoded once.
   */
  withPrevSequence(prev: unknown): Outgoing {
    this.relinked ??= new Map();
    let copy = this.relinked.get(prev);
    if (!copy) this.relinked.set(prev, (copy = new Outgoing({ ...this.message, prev_sequence: prev }, this.id)));
    return copy;
  }

  private socketIo() {
    if (!this.sio) {
      const packet = `2[${JSON.stringify(this.type)},${this.text}]`;
      // "4" is the engine.io "message" packet type.
      // One buffer rather than [header, payload]: a plain write instead of a writev per receiver.
      const frame = Buffer.concat(Sender.frame(Buffer.from(`4${packet}`), TEXT_FRAME));
      this.sio = { packet, frame };
    }
    return this.sio;
  }
}
