import type { Outgoing } from './outgoing';

/** The transport side of a client, as the outbox sees it. */
export interface Sink {
  /** True when a write now goes out at once instead of piling up in a buffer we do not bound. */
  writable(): boolean;
  /** Hands one message to the transport. */
  write(out: Outgoing): void;
  /** Messages the transport holds that are not yet on the wire (for metrics). */
  buffered(): number;
}

interface Slot {
  out: Outgoing | null;
  topic?: string;
  /** A barrier holds every later slot until the topic's current state is known. */
  barrier?: boolean;
}

/**
 * A client's bounded, ordered queue of outgoing messages.
 *
 * Messages go straight to the transport while it keeps up; otherwise they wait here. Conflatable
 * messages (whole order book, statistics) replace the waiting one of the same topic, so a slow
 * reader gets the latest state rather than a backlog. When more than `limit` messages wait,
 * `onOverflow` fires once: the client is a slow consumer and is dropped, never buffered without
 * bound.
 */
export class Outbox {
  private readonly queue: Slot[] = [];
  /** Waiting conflatable slot per topic. */
  private readonly latest = new Map<string, Slot>();
  private overflowed = false;
  private closed = false;
  /** Messages replaced by a newer one of the same topic. */
  conflated = 0;

  constructor(
    private readonly sink: Sink,
    private readonly limit: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Messages waiting here (not yet handed to the transport). */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues a message; `conflate` lets a later message of the same topic replace it while it waits. */
  push(out: Outgoing, topic?: string, conflate = false): void {
    if (this.closed) return;
    if (this.queue.length === 0 && this.sink.writable()) {
      this.sink.write(out);
      return;
    }
    const slot: Slot = { out, topic };
    if (conflate && topic !== undefined) {
      const previous = this.latest.get(topic);
      if (previous) {
        // The replacement inherits prev_sequence of the message it replaces, so the client's
        // gap check still links up: the skipped message's state is contained in the newer one.
        const prev = previous.out!.message.prev_sequence;
        slot.out = prev === undefined ? out : out.withPrevSequence(prev);
        this.queue.splice(this.queue.indexOf(previous), 1);
        this.conflated++;
      }
      this.latest.set(topic, slot);
    }
    this.queue.push(slot);
    this.checkBound();
    this.pump();
  }

  /** Holds every later message until {@link resolve} is called for this topic. */
  hold(topic: string): void {
    if (this.closed) return;
    this.queue.push({ out: null, topic, barrier: true });
    this.checkBound();
  }

  /**
   * Releases the hold on `topic`: sends `state` in its place (if any) and discards the waiting
   * messages of that topic that `keep` rejects (those the state already contains).
   */
  resolve(topic: string, state: Outgoing | null, keep: (out: Outgoing) => boolean): void {
    const at = this.queue.findIndex((s) => s.barrier && s.topic === topic);
    if (at < 0) return;
    for (let i = this.queue.length - 1; i > at; i--) {
      const s = this.queue[i];
      if (s.topic === topic && s.out && !keep(s.out)) this.remove(i);
    }
    const slot = this.queue[at];
    slot.barrier = false;
    slot.out = state;
    if (!state) this.queue.splice(at, 1);
    this.pump();
  }

  /** Drops everything waiting for `topic` (after an Unsubscribe). */
  discard(topic: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].topic === topic) this.remove(i);
    this.pump();
  }

  /**
   * Hands every waiting message (up to a held topic) to the transport if it is writable now.
   * All at once: the transport batches them into one write, and there are at most `limit`.
   */
  pump(): void {
    if (this.closed || this.queue.length === 0 || !this.sink.writable()) return;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.barrier) return;
      this.queue.shift();
      if (head.topic !== undefined && this.latest.get(head.topic) === head) this.latest.delete(head.topic);
      if (head.out) this.sink.write(head.out);
    }
  }

  /** Stops all delivery and frees the queue. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.latest.clear();
  }

  private remove(i: number): void {
    const [slot] = this.queue.splice(i, 1);
    if (slot.topic !== undefined && this.latest.get(slot.topic) === slot) this.latest.delete(slot.topic);
  }

  private checkBound(): void {
    if (this.queue.length > this.limit && !this.overflowed) {
      this.overflowed = true;
      this.onOverflow();
    }
  }
}
