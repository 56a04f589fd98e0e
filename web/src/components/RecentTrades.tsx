import type { TradeRow } from '../hooks/useMarketData';
import { formatPrice, formatQuantity, type Market } from '../lib/market';

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Recent executions, newest first, coloured by the taker's side. */
export function RecentTrades({ market, trades }: { market: Market; trades: TradeRow[] }) {
  return (
    <section className="panel trades-panel" data-testid="recent-trades">
      <div className="panel-head">
        <h2>Recent trades</h2>
      </div>
      <div className="trade-columns muted small">
        <span>Price ({market.info.quote})</span>
        <span className="num">Size ({market.info.base})</span>
        <span className="num">Time</span>
      </div>
      <div className="trade-list">
        {trades.length === 0 && <div className="empty muted small">No trades yet</div>}
        {trades.map((t) => (
          <div key={t.exec_id} className={`trade-row ${t.side === 'Buy' ? 'buy' : 'sell'}`} data-testid="trade-row" data-side={t.side} data-price={t.price} data-quantity={t.quantity}>
            <span className="price">{formatPrice(market, t.price)}</span>
            <span className="num">{formatQuantity(market, t.quantity)}</span>
            <span className="num muted">{clock(t.timestamp)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
