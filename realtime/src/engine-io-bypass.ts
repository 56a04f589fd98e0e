import type { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/**
 * The one place that reaches into engine.io. socket.io clients here use the websocket transport
 * only, and every message is already encoded once as a complete WebSocket frame for all
 * receivers (`Outgoing.socketIoFrame`); writing that frame straight to the client's TCP socket
 * skips engine.io's per-client packet queue, its events and its write callbacks. The bytes on
 * the wire are the same as engine.io would send. docs/benchmarks.md has the measured gain over
 * handing the same pre-encoded frame to engine.io (`conn.write`, as socket.io's room broadcast
 * does); realtime/test/engine-io-bypass.test.ts fails if an engine.io upgrade breaks the fields
 * read here.
 */

/** The fields of engine.io's socket read here (not in its typings). */
interface EngineSocketInternals {
  /** Packets engine.io has queued for this client and not yet handed to its transport. */
  writeBuffer: unknown[];
  transport: { writable: boolean };
}

/** The client's TCP socket (the upgraded request's; with the websocket transport it never changes). */
export function clientTcpSocket(socket: Socket): NetSocket {
  return socket.request.socket as NetSocket;
}

/**
 * Whether engine.io holds nothing of its own for this client (its transport is not mid-send and
 * its queue is empty): only then may a frame be written beside it, so nothing it sends can be
 * overtaken and frames never interleave (without compression ws writes each frame whole and
 * synchronously to the same socket).
 */
export function engineHoldsNothing(socket: Socket): boolean {
  return (socket.conn as unknown as EngineSocketInternals).transport.writable && engineQueued(socket) === 0;
}

/** Packets engine.io has queued for this client (its own: pings, acks, the last Error). */
export function engineQueued(socket: Socket): number {
  return (socket.conn as unknown as EngineSocketInternals).writeBuffer.length;
}
