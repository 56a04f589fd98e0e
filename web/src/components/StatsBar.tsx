import type { Statistics } from '../lib/api';
import { formatPercent, formatPrice, formatQuantity, type Market } from '../lib/market';

/** Last price, 24 h change (green up, red down), 24 h high, low and volume of the shown market. */
export function StatsBar({ market, stats }: { market: Market; stats?: Statistics }) {
  const change = stats?.price_change_24h ?? 0;
  const direction = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  const high = stats?.high_24h ?? stats?.high_price_24h;
  const low = stats?.low_24h ?? stats?.low_price_24h;
  return (
    <div className="stats-bar" data-testid="stats-bar">
      <div className={`stat last ${direction}`}>
        <span className="stat-value big" data-testid="stat-last-price" data-value={stats?.last_price ?? ''}>
          {formatPrice(market, stats?.last_price)}
        </span>
      </div>
      <div className="stat">
        <span className="stat-label">24h change</span>
        <span className={`stat-value ${direction}`} data-testid="stat-change" data-value={stats ? change : ''}>
          {stats ? formatPercent(change) : '—'}
        </span>
      </div>
      <div className="stat">
        <span className="stat-label">24h high</span>
        <span className="stat-value" data-testid="stat-high">{formatPrice(market, high)}</span>
      </div>
      <div className="stat">
        <span className="stat-label">24h low</span>
        <span className="stat-value" data-testid="stat-low">{formatPrice(market, low)}</span>
      </div>
      <div className="stat">
        <span className="stat-label">24h volume ({market.info.base})</span>
        <span className="stat-value" data-testid="stat-volume" data-value={stats?.volume_24h ?? ''}>
          {formatQuantity(market, stats?.volume_24h)}
        </span>
      </div>
    </div>
  );
}
