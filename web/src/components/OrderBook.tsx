import type { Level } from '@xtrader/protocol';
import type { BookView } from '../hooks/useMarketData';
import { BOOK_DEPTH } from '../hooks/useMarketData';
import { formatFixed, formatPercent, formatPrice, formatQuantity, type Market } from '../lib/market';

interface Props {
  market: Market;
  book?: BookView;
  lastPrice?: number | null;
  /** Taker side of the newest trade: colours the last price like the trades list. */
  lastSide?: 'Buy' | 'Sell';
  onPickPrice(price: number): void;
}

interface Row {
  price: number;
  quantity: number;
  cumulative: number;
}

/** Levels with running totals from the best price outward. */
function withCumulative(levels: Level[]): Row[] {
  let sum = 0;
  return levels.slice(0, BOOK_DEPTH).map(([price, quantity]) => {
    sum += quantity;
    return { price, quantity, cumulative: sum };
  });
}

/**
 * Depth of market: asks red above, best ask nearest the spread, bids green below;
 * bars show cumulative size; clicking a level puts its price in the order form.
 */
export function OrderBook({ market, book, lastPrice, lastSide, onPickPrice }: Props) {
  const asks = withCumulative(book?.asks ?? []);
  const bids = withCumulative(book?.bids ?? []);
  const maxCum = Math.max(asks[asks.length - 1]?.cumulative ?? 0, bids[bids.length - 1]?.cumulative ?? 0, Number.MIN_VALUE);
  const bestAsk = asks[0]?.price;
  const bestBid = bids[0]?.price;
  const spread = bestAsk !== undefined && bestBid !== undefined ? bestAsk - bestBid : undefined;
  // Spread in ticks first, so the shown decimal is exact.
  const tick = Number(market.info.tick_size);
  const spreadText = spread === undefined ? '—' : formatFixed(Math.round(spread / tick) * tick, market.priceDecimals);
  const spreadPct = spread !== undefined && bestAsk ? (spread / bestAsk) * 100 : undefined;

  const renderRow = (side: 'ask' | 'bid', r: Row) => (
    <button
      type="button"
      key={`${side}-${r.price}`}
      className={`book-row ${side}`}
      data-testid={`${side}-row`}
      data-price={r.price}
      data-quantity={r.quantity}
      title="Use this price"
      onClick={() => onPickPrice(r.price)}
    >
      <span className="depth-bar" style={{ width: `${(r.cumulative / maxCum) * 100}%` }} />
      <span className="price">{formatPrice(market, r.price)}</span>
      <span className="num">{formatQuantity(market, r.quantity)}</span>
      <span className="num muted">{formatQuantity(market, r.cumulative)}</span>
    </button>
  );

  return (
    <section className="panel book-panel" data-testid="order-book">
      <div className="panel-head">
        <h2>Order book</h2>
      </div>
      <div className="book-columns muted small">
        <span>Price ({market.info.quote})</span>
        <span className="num">Size ({market.info.base})</span>
        <span className="num">Total</span>
      </div>
      <div className="book-side asks" data-testid="book-asks">
        {asks.length === 0 && <div className="empty muted small">No asks</div>}
        {[...asks].reverse().map((r) => renderRow('ask', r))}
      </div>
      <div className="spread" data-testid="spread">
        <span className={`last-price ${lastSide === 'Buy' ? 'up' : lastSide === 'Sell' ? 'down' : ''}`} data-testid="book-last-price">{formatPrice(market, lastPrice)}</span>
        <span className="muted small">
          Spread {spreadText}
          {spreadPct !== undefined && ` (${formatPercent(spreadPct).replace('+', '')})`}
        </span>
      </div>
      <div className="book-side bids" data-testid="book-bids">
        {bids.length === 0 && <div className="empty muted small">No bids</div>}
        {bids.map((r) => renderRow('bid', r))}
      </div>
    </section>
  );
}
