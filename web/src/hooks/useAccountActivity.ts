import { useCallback, useEffect, useRef, useState } from 'react';
import type { Balance, MyTrade, OrderStatus, OrderUpdateView } from '@xtrader/protocol';
import type { ExchangeApi } from '../lib/api';
import { applyBalance, applyOrderUpdate, mergeOrderList, mergeTrades, MY_TRADES_SHOWN, ORDERS_SHOWN } from '../lib/activity';
import type { ConnectionState, MarketFeed } from '../lib/feed';
import { POLL_MS } from './useMarketData';
import type { SessionState } from './useSession';

export function isOpen(status: OrderStatus): boolean {
  return status === 'ACCEPTED' || status === 'NEW' || status === 'PARTIALLY_FILLED';
}

export interface AccountActivity {
  /** Undefined while signed out or before the first answer. */
  orders?: OrderUpdateView[];
  trades?: MyTrade[];
  /** Per asset available and locked: read on sign-in, then as each BalanceUpdate comes. */
  balances?: Balance[];
  error?: string;
  /** The page placed an order: reload now. */
  placed(orderId: string): void;
  /** Reload everything now (e.g. after taking the faucet, in case its pushes are missed). */
  reload(): void;
  cancel(orderId: string): Promise<void>;
  /** Per-order message of the last failed cancel. */
  cancelErrors: Record<string, string>;
}

/**
 * The signed-in account's orders and trades, read from the api so they follow the account to
 * any browser, and kept current by the account's private channels: an OrderUpdate or Fill is
 * applied as it comes; following them (again, after a reconnect) or a skipped `account_sequence`
 * reloads from REST. Also reloaded: after the page's own place and cancel, and every 2 s while the
 * socket is down. Nothing polls while the socket is up.
 */
export function useAccountActivity(api: ExchangeApi, feed: MarketFeed, session: SessionState, connection: ConnectionState): AccountActivity {
  const signedIn = session.status === 'signed-in' ? session.accountId : undefined;
  const [orders, setOrders] = useState<OrderUpdateView[]>();
  const [trades, setTrades] = useState<MyTrade[]>();
  const [balances, setBalances] = useState<Balance[]>();
  const [error, setError] = useState<string>();
  const [cancelErrors, setCancelErrors] = useState<Record<string, string>>({});

  // One reload in flight at a time; asks that arrive meanwhile make one more afterwards. `epoch`
  // drops answers that belong to an account the page has since signed out of.
  const loader = useRef({ epoch: 0, running: false, again: false });

  const reload = useCallback(async () => {
    const l = loader.current;
    if (l.running) {
      l.again = true;
      return;
    }
    l.running = true;
    try {
      do {
        l.again = false;
        const epoch = l.epoch;
        try {
          const [o, t, a] = await Promise.all([api.myOrders({ status: 'all', limit: ORDERS_SHOWN }), api.myTrades({ limit: MY_TRADES_SHOWN }), api.account()]);
          if (epoch !== l.epoch) continue;
          setOrders((current) => mergeOrderList(current, o));
          setTrades((current) => mergeTrades(current, t));
          setBalances(a.balances);
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

  useEffect(() => {
    const l = loader.current;
    setOrders(undefined);
    setTrades(undefined);
    setBalances(undefined);
    setError(undefined);
    setCancelErrors({});
    if (signedIn) void reload();
    return () => {
      l.epoch++;
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
        } else if (msg.type === 'BalanceUpdate') {
          const { asset, available, locked } = msg;
          setBalances((current) => applyBalance(current, { asset, available, locked }));
        }
      },
    });
  }, [feed, signedIn, reload]);

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

  return { orders, trades, balances, error, placed, cancel, cancelErrors, reload: placed };
}
