import { useCallback, useEffect, useReducer, useRef } from 'react';
import { channelOfTopic, type Execution, type Level, type MarketMessage, type Side } from '@xtrader/protocol';
import type { ExchangeApi, Statistics } from '../lib/api';
import type { ConnectionState, MarketFeed } from '../lib/feed';

/** Levels shown per side in the depth of market. */
export const BOOK_DEPTH = 15;
/** Executions kept in the recent-trades list. */
export const TRADES_SHOWN = 50;
/** REST polling period while the socket is down. */
export const POLL_MS = 2000;

export interface BookView {
  bids: Level[];
  asks: Level[];
  sequence?: number;
}

/** One row of the recent-trades list, from REST (`Trade`) or push (`Execution`). */
export interface TradeRow {
  exec_id: string;
  price: number;
  quantity: number;
  side: Side;
  timestamp: number;
  sequence?: number;
}

export interface MarketDataState {
  symbol: string;
  book?: BookView;
  trades: TradeRow[];
  stats?: Statistics;
  error?: string;
}

type Action =
  | { type: 'reset'; symbol: string }
  | { type: 'book'; symbol: string; book: BookView }
  | { type: 'trades'; symbol: string; trades: TradeRow[] }
  | { type: 'stats'; symbol: string; stats: Statistics }
  | { type: 'error'; symbol: string; message?: string };

function reducer(state: MarketDataState, a: Action): MarketDataState {
  if (a.type === 'reset') return { symbol: a.symbol, trades: [] };
  if (a.symbol !== state.symbol) return state; // an answer for the symbol the user just left
  switch (a.type) {
    case 'book':
      // REST snapshots and pushes race; the higher engine sequence is the newer book.
      if (state.book?.sequence !== undefined && a.book.sequence !== undefined && a.book.sequence < state.book.sequence) return state;
      return { ...state, book: a.book, error: undefined };
    case 'trades':
      return { ...state, trades: mergeTrades(state.trades, a.trades) };
    case 'stats':
      if (state.stats && isOlder(a.stats, state.stats)) return state;
      return { ...state, stats: a.stats };
    case 'error':
      return { ...state, error: a.message };
    default: {
      const never: never = a;
      return never;
    }
  }
}

function isOlder(next: Statistics, current: Statistics): boolean {
  if (next.sequence !== undefined && current.sequence !== undefined) return next.sequence < current.sequence;
  return next.timestamp < current.timestamp;
}

/** Union by exec_id, newest first (time, then engine sequence for trades in one millisecond). */
export function mergeTrades(current: TradeRow[], incoming: TradeRow[]): TradeRow[] {
  const byId = new Map<string, TradeRow>();
  for (const t of current) byId.set(t.exec_id, t);
  for (const t of incoming) byId.set(t.exec_id, t);
  return [...byId.values()]
    .sort((a, b) => b.timestamp - a.timestamp || (b.sequence ?? 0) - (a.sequence ?? 0))
    .slice(0, TRADES_SHOWN);
}

export function executionToRow(e: Execution): TradeRow {
  return {
    exec_id: e.exec_id,
    price: e.price,
    quantity: e.quantity,
    side: e.side,
    timestamp: e.timestamp ?? (e.transaction_time ? Date.parse(e.transaction_time) : Date.now()),
    sequence: e.sequence,
  };
}

/**
 * The live state of one market: REST snapshot first, then pushes; REST every 2 s
 * while the socket is down; a REST resync of the part whose topic showed a sequence gap.
 */
export function useMarketData(api: ExchangeApi, feed: MarketFeed, symbol: string, connection: ConnectionState): MarketDataState {
  const [state, dispatch] = useReducer(reducer, { symbol, trades: [] });
  const symbolRef = useRef(symbol);
  symbolRef.current = symbol;

  const loadBook = useCallback(async (sym: string) => {
    try {
      const b = await api.orderBook(sym, BOOK_DEPTH);
      dispatch({ type: 'book', symbol: sym, book: { bids: b.bids, asks: b.asks, sequence: b.sequence } });
    } catch (e) {
      dispatch({ type: 'error', symbol: sym, message: (e as Error).message });
    }
  }, [api]);
  const loadTrades = useCallback(async (sym: string) => {
    try {
      const trades = await api.trades(sym, TRADES_SHOWN);
      dispatch({ type: 'trades', symbol: sym, trades });
    } catch (e) {
      dispatch({ type: 'error', symbol: sym, message: (e as Error).message });
    }
  }, [api]);
  const loadStats = useCallback(async (sym: string) => {
    try {
      dispatch({ type: 'stats', symbol: sym, stats: await api.statistics(sym) });
    } catch (e) {
      dispatch({ type: 'error', symbol: sym, message: (e as Error).message });
    }
  }, [api]);

  useEffect(() => {
    dispatch({ type: 'reset', symbol });
    void loadBook(symbol);
    void loadTrades(symbol);
    void loadStats(symbol);
    const onMessage = (msg: MarketMessage) => {
      switch (msg.type) {
        case 'OrderBookUpdate':
          dispatch({ type: 'book', symbol: msg.symbol, book: { bids: msg.bids, asks: msg.asks, sequence: msg.sequence } });
          break;
        case 'Execution':
          dispatch({ type: 'trades', symbol: msg.symbol, trades: [executionToRow(msg)] });
          break;
        case 'MarketStatistics':
          dispatch({ type: 'stats', symbol: msg.symbol, stats: msg });
          break;
        case 'CandlestickUpdate':
          break;
      }
    };
    const onGap = (topic: string) => {
      const channel = channelOfTopic(topic);
      if (channel === 'orderbook') void loadBook(symbol);
      else if (channel === 'executions') void loadTrades(symbol);
      else if (channel === 'statistics') void loadStats(symbol);
    };
    return feed.subscribe(
      [
        { channel: 'orderbook', symbol },
        { channel: 'executions', symbol },
        { channel: 'statistics', symbol },
      ],
      { onMessage, onGap },
    );
  }, [feed, symbol, loadBook, loadTrades, loadStats]);

  // The fallback: while the socket is down, the same snapshots every POLL_MS; stops on reconnect.
  useEffect(() => {
    if (connection !== 'polling') return;
    const poll = () => {
      const sym = symbolRef.current;
      void loadBook(sym);
      void loadTrades(sym);
      void loadStats(sym);
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => clearInterval(timer);
  }, [connection, loadBook, loadTrades, loadStats]);

  return state.symbol === symbol ? state : { symbol, trades: [] };
}
