import { useCallback, useEffect, useRef, useState } from 'react';
import type { MyTrade, OrderStatus, OrderUpdateView } from '@xtrader/protocol';
import type { ExchangeApi } from '../lib/api';
import { applyOrderUpdate, mergeOrderList, mergeTrades, MY_TRADES_SHOWN, ORDERS_SHOWN } from '../lib/activity';
import type { ConnectionState, MarketFeed } from '../lib/feed';
import { POLL_MS } from './useMarketData';
import type { SessionState } from './useSession';
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
  orders?: OrderUpdateView[];
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
 * any browser, and kept current by the account's private channels: an OrderUpdate or Fill is
 * applied as it comes; following them (again, after a reconnect) or a skipped `account_sequence`
 * reloads from REST. Also reloaded: the page's own place and cancel, the 2 s REST fallback while
 * the socket is down, and, while no producer publishes the private channels yet, the shown
 * market's pushes (the effect marked below; delete it once OrderUpdates flow). Nothing polls
 * while the socket is up.
 */
export function useAccountActivity(api: ExchangeApi, feed: MarketFeed, session: SessionState, symbol: string, connection: ConnectionState): AccountActivity {
  const signedIn = session.status === 'signed-in' ? session.accountId : undefined;
  const [orders, setOrders] = useState<OrderUpdateView[]>();
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
          setOrders((current) => mergeOrderList(current, o));
          setTrades((current) => mergeTrades(current, t));
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

  // The account's own channels.
  useEffect(() => {
    if (!signedIn) return;
    return feed.subscribeAccount(signedIn, {
      onSubscribed: () => void reload(),
      onGap: () => void reload(),
      onMessage: (msg) => {
        if (msg.type === 'OrderUpdate') setOrders((current) => applyOrderUpdate(current, msg.order));
        else if (msg.type === 'Fill') {
          const { type: _t, account_sequence: _s, ...trade } = msg;
          setTrades((current) => mergeTrades(current, [trade]));
        }
      },
    });
  }, [feed, signedIn, reload]);

  // Until the private channels have a producer: the shown market's pushes. A trade of one of
  // the account's open orders reloads at once;
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
        setOrders((list) => applyOrderUpdate(list, view));
      } catch (e) {
        setCancelErrors((errs) => ({ ...errs, [orderId]: (e as Error).message }));
      }
      void reload();
    },
    [api, reload],
  );

  return { orders, trades, error, placed, cancel, cancelErrors };
}
