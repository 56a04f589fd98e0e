import { useState } from 'react';
import type { MyTrade, OrderStatus, OrderUpdateView } from '@xtrader/protocol';
import { isOpen } from '../hooks/useAccountActivity';
import { formatFixed, type Market } from '../lib/market';
import { EmptyTableRow } from './EmptyTableRow';

interface Props {
  signedIn: boolean;
  orders?: OrderUpdateView[];
  trades?: MyTrade[];
  error?: string;
  markets: Map<string, Market>;
  cancelErrors: Record<string, string>;
  onCancel(orderId: string): void;
  onLogin(): void;
}

const STATUS_TEXT: Record<OrderStatus, string> = {
  ACCEPTED: 'Accepted',
  NEW: 'New',
  PARTIALLY_FILLED: 'Partially filled',
  FILLED: 'Filled',
  CANCELLED: 'Cancelled',
  REJECTED: 'Rejected',
};

function time(ms: number): string {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false });
}

type Tab = 'orders' | 'trades';

/** The signed-in account's orders (live status, cancel while open) and trades, on every market. */
export function MyOrders({ signedIn, orders, trades, error, markets, cancelErrors, onCancel, onLogin }: Props) {
  const [tab, setTab] = useState<Tab>('orders');
  const openCount = orders?.filter((o) => isOpen(o.status)).length ?? 0;
  return (
    <section className="panel orders-panel" data-testid="my-orders">
      <div className="panel-head">
        <div className="panel-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'orders'} className={tab === 'orders' ? 'active' : ''} data-testid="tab-my-orders" onClick={() => setTab('orders')}>
            My orders{signedIn && orders ? ` (${openCount} open)` : ''}
          </button>
          <button type="button" role="tab" aria-selected={tab === 'trades'} className={tab === 'trades' ? 'active' : ''} data-testid="tab-my-trades" onClick={() => setTab('trades')}>
            My trades
          </button>
        </div>
        {error && (
          <span className="field-error small" data-testid="my-orders-error">
            {error}
          </span>
        )}
      </div>
      <div className="orders-table-wrap">
        {!signedIn ? (
          <div className="empty muted small" data-testid="my-orders-signed-out">
            <button type="button" className="link-button" onClick={onLogin}>
              Log in
            </button>{' '}
            to see your orders and trades.
          </div>
        ) : tab === 'orders' ? (
          <OrdersTable orders={orders} markets={markets} cancelErrors={cancelErrors} onCancel={onCancel} />
        ) : (
          <TradesTable trades={trades} markets={markets} />
        )}
      </div>
    </section>
  );
}

function OrdersTable({ orders, markets, cancelErrors, onCancel }: Pick<Props, 'orders' | 'markets' | 'cancelErrors' | 'onCancel'>) {
  return (
    <table className="orders-table">
      <thead>
        <tr className="muted small">
          <th>Time</th>
          <th>Market</th>
          <th>Side</th>
          <th>Type</th>
          <th className="num">Price</th>
          <th className="num">Quantity</th>
          <th className="num">Filled</th>
          <th className="num">Avg. price</th>
          <th>Status</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {orders?.length === 0 && <EmptyTableRow columns={10} text="No orders yet" />}
        {orders?.map((o) => {
          const m = markets.get(o.symbol);
          const pd = m?.priceDecimals ?? 8;
          const qd = m?.quantityDecimals ?? 8;
          return (
            <tr key={o.order_id} data-testid="my-order-row" data-order-id={o.order_id} data-status={o.status} data-symbol={o.symbol}>
              <td className="muted">{time(o.created_at)}</td>
              <td>{o.symbol}</td>
              <td className={o.side === 'Buy' ? 'up' : 'down'}>{o.side}</td>
              <td>{o.type}</td>
              <td className="num">{o.price === null ? 'Market' : formatFixed(o.price, pd)}</td>
              <td className="num">{formatFixed(o.quantity, qd)}</td>
              <td className="num">{formatFixed(o.filled_quantity, qd)}</td>
              <td className="num">{o.average_price === null ? '—' : formatFixed(o.average_price, pd)}</td>
              <td>
                <span className={`status ${o.status.toLowerCase()}`} data-testid="order-status" title={o.reject_reason ?? o.cancel_reason}>
                  {STATUS_TEXT[o.status]}
                </span>
                {cancelErrors[o.order_id] && (
                  <span className="field-error small" data-testid="cancel-error">
                    {' '}
                    {cancelErrors[o.order_id]}
                  </span>
                )}
              </td>
              <td className="num">
                {isOpen(o.status) && (
                  <button type="button" className="link-button" data-testid="cancel-order" onClick={() => onCancel(o.order_id)}>
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function TradesTable({ trades, markets }: Pick<Props, 'trades' | 'markets'>) {
  return (
    <table className="orders-table">
      <thead>
        <tr className="muted small">
          <th>Time</th>
          <th>Market</th>
          <th>Side</th>
          <th className="num">Price</th>
          <th className="num">Quantity</th>
          <th className="num">Fee</th>
          <th>Role</th>
        </tr>
      </thead>
      <tbody>
        {trades?.length === 0 && <EmptyTableRow columns={7} text="No trades yet" />}
        {trades?.map((t) => {
          const m = markets.get(t.symbol);
          return (
            <tr key={`${t.exec_id}:${t.order_id}`} data-testid="my-trade-row" data-order-id={t.order_id} data-price={t.price} data-quantity={t.quantity} data-side={t.side}>
              <td className="muted">{time(t.timestamp)}</td>
              <td>{t.symbol}</td>
              <td className={t.side === 'Buy' ? 'up' : 'down'}>{t.side}</td>
              <td className="num">{formatFixed(t.price, m?.priceDecimals ?? 8)}</td>
              <td className="num">{formatFixed(t.quantity, m?.quantityDecimals ?? 8)}</td>
              <td className="num">
                {formatFixed(t.fee, m?.info.fee_decimals ?? 8)} {t.fee_asset}
              </td>
              <td className="muted">{t.liquidity}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
