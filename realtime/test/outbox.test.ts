import { Outbox, type Sink } from '../src/outbox';
import { Outgoing } from '../src/outgoing';

/** A transport whose writability the test controls; records what it was handed. */
class ControlledSink implements Sink {
  open = true;
  written: Record<string, unknown>[] = [];
  writable(): boolean {
    return this.open;
  }
  write(out: Outgoing): void {
    this.written.push(out.message);
  }
  buffered(): number {
    return 0;
  }
}

const noOverflow = () => {
  throw new Error('the outbox overflowed but the client kept up');
};
const book = (sequence: number, prev: number) => new Outgoing({ type: 'OrderBookUpdate', symbol: 'X', bids: [], asks: [], sequence, prev_sequence: prev }, `1-${sequence}`);
const exec = (sequence: number) => new Outgoing({ type: 'Execution', symbol: 'X', sequence }, `1-${sequence}`);

describe('a client outbox', () => {
  test('passes messages straight through while the transport keeps up', () => {
    const sink = new ControlledSink();
    const box = new Outbox(sink, 3, noOverflow);
    for (let i = 1; i <= 10; i++) box.push(exec(i), 'executions:X');
    expect(sink.written.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(box.depth).toBe(0);
  });

  test('conflates whole-state messages while waiting, keeping the gap chain intact', () => {
    const sink = new ControlledSink();
    const box = new Outbox(sink, 10, noOverflow);
    sink.open = false;
    box.push(book(5, 1), 'orderbook:X', true);
    box.push(exec(6), 'executions:X');
    box.push(book(7, 5), 'orderbook:X', true);
    box.push(book(9, 7), 'orderbook:X', true);
    expect(box.depth).toBe(2);
    sink.open = true;
    box.pump();
    // The executions stay; the newest book replaces the older ones and links to what the client last saw (1).
    expect(sink.written).toEqual([
      { type: 'Execution', symbol: 'X', sequence: 6 },
      { type: 'OrderBookUpdate', symbol: 'X', bids: [], asks: [], sequence: 9, prev_sequence: 1 },
    ]);
  });

  test('signals overflow once when more than the limit wait, and stops after close', () => {
    const sink = new ControlledSink();
    let overflows = 0;
    const box = new Outbox(sink, 3, () => {
      overflows++;
      box.close();
    });
    sink.open = false;
    for (let i = 1; i <= 10; i++) box.push(exec(i), 'executions:X');
    expect(overflows).toBe(1);
    expect(box.depth).toBe(0);
    sink.open = true;
    box.pump();
    expect(sink.written).toEqual([]);
  });

  test('a hold keeps later messages back until the state arrives, and drops what the state already contains', () => {
    const sink = new ControlledSink();
    const box = new Outbox(sink, 10, noOverflow);
    box.hold('orderbook:X');
    box.push(book(3, 1), 'orderbook:X', true);
    box.push(exec(4), 'executions:X');
    box.push(book(5, 3), 'orderbook:X', true);
    expect(sink.written).toEqual([]);
    const state = new Outgoing({ type: 'OrderBookUpdate', symbol: 'X', bids: [], asks: [], sequence: 3, prev_sequence: 0 });
    box.resolve('orderbook:X', state, (out) => (out.message.sequence as number) > 3);
    expect(sink.written.map((m) => `${m.type}#${m.sequence}`)).toEqual(['OrderBookUpdate#3', 'Execution#4', 'OrderBookUpdate#5']);
  });
});

describe('conflation copies', () => {
  test('one shared copy per prev_sequence, the original untouched', () => {
    const out = new Outgoing({ type: 'OrderBookUpdate', symbol: 'X', sequence: 9, prev_sequence: 8 }, '1-9');
    const a = out.withPrevSequence(5);
    expect(out.withPrevSequence(5)).toBe(a);
    expect(a.message).toMatchObject({ sequence: 9, prev_sequence: 5 });
    expect(a.id).toBe('1-9');
    expect(out.withPrevSequence(6).message.prev_sequence).toBe(6);
    expect(out.message.prev_sequence).toBe(8);
  });
});
