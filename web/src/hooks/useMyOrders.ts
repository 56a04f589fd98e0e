import { useCallback, useEffect, useRef, useState } from 'react';
import type { OrderStatus, OrderType, OrderView, Side } from '@xtrader/protocol';
import { ApiError, type ExchangeApi } from '../lib/api';
import type { MarketFeed } from '../lib/feed';

const STORAGE_KEY = 'xtrader.myOrders.v1';
/** Orders remembered per browser; the oldest closed ones are forgotten first. */
const MAX_ORDERS = 100;
/** How often open orders are re-read while any is open (pushes trigger earlier reads). */
export const ORDER_REFRESH_MS = 3000;

/** An order placed from this browser, as last read from the exchange. */
export interface MyOrder {
  order_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  price: number | null;
  quantity: number;
  filled_quantity: number;
  average_price: number | null;
  status: OrderStatus;
  created_at: number;
  reason?: string;
}

export function isOpen(status: OrderStatus): boolean {
  return status === 'ACCEPTED' || status === 'NEW' || status === 'PARTIALLY_FILLED';
}

function load(): MyOrder[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const list = raw ? (JSON.parse(raw) as MyOrder[]) : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function save(list: MyOrder[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
  } catch {
    // storage full or disabled: the list still lives for this page
  }
}

function fromView(v: OrderView, prev?: MyOrder): MyOrder {
  return {
    order_id: v.order_id,
    symbol: v.symbol,
    side: v.side,
    type: v.type,
    price: v.price,
    quantity: v.quantity,
    filled_quantity: v.filled_quantity,
    average_price: v.average_price,
    status: v.status,
    created_at: prev?.created_at ?? v.created_at,
    reason: v.reject_reason ?? v.cancel_reason,
  };
}

export interface MyOrdersApi {
  orders: MyOrder[];
  add(order: MyOrder): void;
  cancel(orderId: string): Promise<void>;
  /** Per-order message of the last failed cancel. */
  cancelErrors: Record<string, string>;
}

/**
 * Orders placed from this browser (kept in localStorage) with their live status: re-read from
 * `GET /api/v1/order/:id` when an Execution of the shown symbol names one of them, and every
 * few seconds while any is still open.
 */
export function useMyOrders(api: ExchangeApi, feed: MarketFeed, symbol: string): MyOrdersApi {
  const [orders, setOrders] = useState<MyOrder[]>(load);
  const [cancelErrors, setCancelErrors] = useState<Record<string, string>>({});
  const ordersRef = useRef(orders);
  ordersRef.current = orders;

  const update = useCallback((fn: (list: MyOrder[]) => MyOrder[]) => {
    setOrders((list) => {
      const next = fn(list);
      save(next);
      return next;
    });
  }, []);

  const refresh = useCallback(
    async (orderId: string) => {
      try {
        const view = await api.order(orderId);
        update((list) => list.map((o) => (o.order_id === orderId ? fromView(view, o) : o)));
      } catch (e) {
        // 404 right after placing: the engine has not taken the order yet; keep ACCEPTED.
        if (!(e instanceof ApiError) || e.status !== 404) console.warn('order refresh failed', e);
      }
    },
    [api, update],
  );

  const add = useCallback(
    (order: MyOrder) => {
      update((list) => {
        const next = [order, ...list.filter((o) => o.order_id !== order.order_id)];
        // Forget the oldest closed orders first; never an open one.
        while (next.length > MAX_ORDERS) {
          const idx = next.map((o) => isOpen(o.status)).lastIndexOf(false);
          if (idx < 0) break;
          next.splice(idx, 1);
        }
        return next;
      });
      void refresh(order.order_id);
    },
    [update, refresh],
  );

  const cancel = useCallback(
    async (orderId: string) => {
      setCancelErrors(({ [orderId]: _, ...rest }) => rest);
      try {
        const view = await api.cancelOrder(orderId);
        update((list) => list.map((o) => (o.order_id === orderId ? fromView(view, o) : o)));
      } catch (e) {
        setCancelErrors((errs) => ({ ...errs, [orderId]: (e as Error).message }));
        void refresh(orderId);
      }
    },
    [api, update, refresh],
  );

  // Fills of the shown market arrive as Executions naming taker and maker order ids.
  useEffect(
    () =>
      feed.subscribe([{ channel: 'executions', symbol }], {
        onMessage: (msg) => {
          if (msg.type !== 'Execution') return;
          for (const o of ordersRef.current) {
            if (isOpen(o.status) && (o.order_id === msg.order_id || o.order_id === msg.maker_order_id)) void refresh(o.order_id);
          }
        },
      }),
    [feed, symbol, refresh],
  );

  const anyOpen = orders.some((o) => isOpen(o.status));
  useEffect(() => {
    if (!anyOpen) return;
    const refreshOpen = () => {
      for (const o of ordersRef.current) if (isOpen(o.status)) void refresh(o.order_id);
    };
    refreshOpen();
    const timer = setInterval(refreshOpen, ORDER_REFRESH_MS);
    return () => clearInterval(timer);
  }, [anyOpen, refresh]);

  // Another tab of this browser placed or updated an order.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === STORAGE_KEY) setOrders(load());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  return { orders, add, cancel, cancelErrors };
}
