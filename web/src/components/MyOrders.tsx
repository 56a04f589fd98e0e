import { isOpen, type MyOrder } from '../hooks/useMyOrders';
import { formatFixed, type Market } from '../lib/market';

interface Props {
  orders: MyOrder[];
  markets: Map<string, Market>;
  cancelErrors: Record<string, string>;
  onCancel(orderId: string): void;
}

const STATUS_TEXT: Record<MyOrder['status'], string> = {
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

/** Orders placed from this browser with their live status and a cancel button while open. */
export function MyOrders({ orders, markets, cancelErrors, onCancel }: Props) {
  return (
    <section className="panel orders-panel" data-testid="my-orders">
      <div className="panel-head">
        <h2>My orders</h2>
        <span className="muted small">placed from this browser</span>
      </div>
      <div className="orders-table-wrap">
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
            {orders.length === 0 && (
              <tr>
                <td colSpan={10} className="empty muted small">
                  No orders yet
                </td>
              </tr>
            )}
            {orders.map((o) => {
              const m = markets.get(o.symbol);
              const pd = m?.priceDecimals ?? 8;
              const qd = m?.quantityDecimals ?? 8;
              return (
                <tr key={o.order_id} data-testid="my-order-row" data-order-id={o.order_id} data-status={o.status}>
                  <td className="muted">{time(o.created_at)}</td>
                  <td>{o.symbol}</td>
                  <td className={o.side === 'Buy' ? 'up' : 'down'}>{o.side}</td>
                  <td>{o.type}</td>
                  <td className="num">{o.price === null ? 'Market' : formatFixed(o.price, pd)}</td>
                  <td className="num">{formatFixed(o.quantity, qd)}</td>
                  <td className="num">{formatFixed(o.filled_quantity, qd)}</td>
                  <td className="num">{o.average_price === null ? '—' : formatFixed(o.average_price, pd)}</td>
                  <td>
                    <span className={`status ${o.status.toLowerCase()}`} data-testid="order-status" title={o.reason}>
                      {STATUS_TEXT[o.status]}
                    </span>
                    {cancelErrors[o.order_id] && <span className="field-error small"> {cancelErrors[o.order_id]}</span>}
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
      </div>
    </section>
  );
}
