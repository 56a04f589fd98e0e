import { useCallback, useEffect, useRef, useState } from 'react';
import type { MyTrade, OrderStatus, OrderView } from '@xtrader/protocol';
import type { ExchangeApi } from '../lib/api';
import type { ConnectionState, MarketFeed } from '../lib/feed';
import { POLL_MS } from './useMarketData';
import type { SessionState } from './useSession';

/** How many of the account's newest orders and trades the page shows. */
export const ORDERS_SHOWN = 100;
export const MY_TRADES_SHOWN = 50;
/**
 * Market pushes arrive many times a second on a busy market; they ask for a reload of the
 * account's orders at most this often (a push naming one of its open orders asks at once).
 */
export const PUSH_RELOAD_MIN_MS = 1000;

export function isOpen(status: OrderStatus): boolean {
  return status === 'ACCEPTED' || status === 'NEW' || status === 'PARTIALLY_FILLED';
}

export interface AccountActivity {
  /** Undefined while signed out or before the first answer. */
  orders?: OrderView[];
  trades?: MyTrade[];
  error?: string;
  /** The page placed an order: reload now. */
  placed(orderId: string): void;
  cancel(orderId: string): Promise<void>;
  /** Per-order message of the last failed cancel. */
  cancelErrors: Record<string, string>;
}

/**
 * The signed-in account's orders and trades, read from the api so they follow the account to
 * any browser. What makes it reload: signing in, the page's own place and cancel, the shown
 * market's pushes (its Executions and book updates), a resync after a missed push, and the 2 s
 * REST fallback while the socket is down. Nothing polls while the socket is up.
 *
 * The account's private realtime channels, once subscribed here, replace the market-push trigger:
 * an OrderUpdate or Fill is applied as it comes and an `account_sequence` gap calls `reload`.
 */
export function useAccountActivity(api: ExchangeApi, feed: MarketFeed, session: SessionState, symbol: string, connection: ConnectionState): AccountActivity {
  const signedIn = session.status === 'signed-in' ? session.accountId : undefined;
  const [orders, setOrders] = useState<OrderView[]>();
  const [trades, setTrades] = useState<MyTrade[]>();
  const [error, setError] = useState<string>();
  const [cancelErrors, setCancelErrors] = useState<Record<string, string>>({});
  const ordersRef = useRef(orders);
  ordersRef.current = orders;

  // One reload in flight at a time; asks that arrive meanwhile make one more afterwards. `epoch`
  // drops answers that belong to an account the page has since signed out of.
  const loader = useRef({ epoch: 0, running: false, again: false, last: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined });

  const reload = useCallback(async () => {
    const l = loader.current;
    if (l.timer) {
      clearTimeout(l.timer);
      l.timer = undefined;
    }
    if (l.running) {
      l.again = true;
      return;
    }
    l.running = true;
    try {
      do {
        l.again = false;
        l.last = Date.now();
        const epoch = l.epoch;
        try {
          const [o, t] = await Promise.all([api.myOrders({ status: 'all', limit: ORDERS_SHOWN }), api.myTrades({ limit: MY_TRADES_SHOWN })]);
          if (epoch !== l.epoch) continue;
          setOrders(o);
          setTrades(t);
          setError(undefined);
        } catch (e) {
          if (epoch !== l.epoch) continue;
          setError(`Cannot load your orders: ${(e as Error).message}`);
        }
      } while (l.again);
    } finally {
      l.running = false;
    }
  }, [api]);

  /** A reload soon, but not more often than PUSH_RELOAD_MIN_MS. */
  const reloadSoon = useCallback(() => {
    const l = loader.current;
    if (l.timer) return;
    const wait = l.last + PUSH_RELOAD_MIN_MS - Date.now();
    if (wait <= 0) void reload();
    else l.timer = setTimeout(() => void reload(), wait);
  }, [reload]);

  useEffect(() => {
    const l = loader.current;
    setOrders(undefined);
    setTrades(undefined);
    setError(undefined);
    setCancelErrors({});
    if (signedIn) void reload();
    return () => {
      l.epoch++;
      if (l.timer) clearTimeout(l.timer);
      l.timer = undefined;
    };
  }, [signedIn, reload]);

  // The shown market's pushes: a trade of one of the account's open orders reloads at once;
  // anything else on this market (a book change may be an order of this account placed elsewhere)
  // reloads soon.
  useEffect(() => {
    if (!signedIn) return;
    return feed.subscribe(
      [
        { channel: 'executions', symbol },
        { channel: 'orderbook', symbol },
      ],
      {
        onMessage: (msg) => {
          if (msg.type === 'Execution') {
            const mine = ordersRef.current?.some((o) => isOpen(o.status) && (o.order_id === msg.order_id || o.order_id === msg.maker_order_id));
            if (mine) void reload();
            else reloadSoon();
          } else if (msg.type === 'OrderBookUpdate') reloadSoon();
        },
        onGap: () => void reload(),
      },
    );
  }, [feed, symbol, signedIn, reload, reloadSoon]);

  // The fallback while the socket is down, as for the market data.
  useEffect(() => {
    if (!signedIn || connection !== 'polling') return;
    void reload();
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [signedIn, connection, reload]);

  const placed = useCallback(() => void reload(), [reload]);

  const cancel = useCallback(
    async (orderId: string) => {
      setCancelErrors(({ [orderId]: _, ...rest }) => rest);
      try {
        const view = await api.cancelOrder(orderId);
        setOrders((list) => list?.map((o) => (o.order_id === orderId ? view : o)));
      } catch (e) {
        setCancelErrors((errs) => ({ ...errs, [orderId]: (e as Error).message }));
      }
      void reload();
    },
    [api, reload],
  );

  return { orders, trades, error, placed, cancel, cancelErrors };
}
