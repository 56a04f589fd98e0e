import type { Socket } from 'node:net';

/**
 * Writes pre-framed bytes to client sockets, one syscall per client per feed read.
 *
 * Outside a batch a write goes straight to the socket (a live event is one message, nothing to
 * merge). Inside {@link during} (a feed read that returned several entries, as happens whenever
 * the node fell behind) each socket is corked at its first write and all are uncorked together
 * at the end, so a client gets the whole read in one writev instead of one write per message:
 * the node's cost per delivery drops exactly when it is behind, and it catches up.
 */
export class WriteBatch {
  private active = false;
  private readonly corked: Socket[] = [];

  write(socket: Socket, frame: Buffer): void {
    if (this.active && socket.writableCorked === 0) {
      socket.cork();
      this.corked.push(socket);
    }
    socket.write(frame);
  }

  /** Runs `deliver` with writes batched per socket; flushes every socket touched before returning. */
  during(deliver: () => void): void {
    if (this.active) return deliver();
    this.active = true;
    try {
      deliver();
    } finally {
      this.active = false;
      for (const socket of this.corked) socket.uncork();
      this.corked.length = 0;
    }
  }
}
