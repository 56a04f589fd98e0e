import { useEffect, useRef, useState } from 'react';
import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type ISeriesApi,
  type LogicalRange,
  type UTCTimestamp,
} from 'lightweight-charts';
import { INTERVAL_MS, INTERVALS, type Candle, type Interval } from '@xtrader/protocol';
import type { ExchangeApi } from '../lib/api';
import type { ConnectionState, MarketFeed } from '../lib/feed';
import { formatPrice, type Market } from '../lib/market';
import { POLL_MS } from '../hooks/useMarketData';

const UP = '#0ecb81';
const DOWN = '#f6465d';
/** Candles asked for on first load and per scroll-back page, unless the page is told otherwise. */
const DEFAULT_PAGE = 300;
/** Load older candles when fewer than this many bars are left of the visible range. */
const SCROLL_BACK_MARGIN = 10;

/** A candle keyed by its open time in ms (the chart wants seconds). */
interface Bar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Trades in the candle so far, when known: it only grows while the candle is open. */
  tradeCount?: number;
}

function toBar(c: Pick<Candle, 'open_time' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'trade_count'>): Bar {
  return { openTime: c.open_time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, tradeCount: c.trade_count };
}

/**
 * Whether `incoming` may replace `current` (same open time). A REST answer and a push race each
 * other, so the older of the two can arrive last; a candle's trade count never goes down, so the
 * one with fewer trades is the stale one.
 */
function supersedes(incoming: Bar, current: Bar): boolean {
  if (incoming.tradeCount === undefined || current.tradeCount === undefined) return true;
  return incoming.tradeCount >= current.tradeCount;
}

/** Both lists by open time; where both hold a candle, the newer of the two. */
function reconcile(current: Bar[], incoming: Bar[]): Bar[] {
  const byOpenTime = new Map(current.map((b) => [b.openTime, b]));
  for (const bar of incoming) {
    const held = byOpenTime.get(bar.openTime);
    if (!held || supersedes(bar, held)) byOpenTime.set(bar.openTime, bar);
  }
  return [...byOpenTime.values()].sort((a, b) => a.openTime - b.openTime);
}

function candleData(b: Bar): CandlestickData<UTCTimestamp> {
  return { time: (b.openTime / 1000) as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close };
}

function volumeData(b: Bar): HistogramData<UTCTimestamp> {
  return { time: (b.openTime / 1000) as UTCTimestamp, value: b.volume, color: b.close >= b.open ? 'rgba(14,203,129,0.45)' : 'rgba(246,70,93,0.45)' };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local-time labels: the chart library works in UTC seconds. */
function localLabel(t: number, withDate: boolean): string {
  const d = new Date(t * 1000);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

interface Props {
  api: ExchangeApi;
  feed: MarketFeed;
  market: Market;
  interval: Interval;
  onInterval(interval: Interval): void;
  connection: ConnectionState;
  /** Candles per history request (first load and each scroll-back page). */
  historyPage?: number;
}

/**
 * Candlesticks with volume: klines from REST, then the open candle moved by each
 * CandlestickUpdate; older pages load when the user scrolls back. The container exposes the last
 * bar as `data-last-close`/`data-last-open-time` for tests and tools.
 */
export function PriceChart({ api, feed, market, interval, onInterval, connection, historyPage = DEFAULT_PAGE }: Props) {
  const containerRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: IChartApi; candles: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'> } | null>(null);
  const barsRef = useRef<Bar[]>([]);
  /** Folds REST candles into the chart of the current symbol and interval (set by the data effect). */
  const mergeRef = useRef<(candles: Candle[]) => void>(() => undefined);
  const [status, setStatus] = useState<string | undefined>('Loading…');
  const symbol = market.symbol;

  // One chart for the page's life; symbol and interval changes only replace its data.
  useEffect(() => {
    const host = hostRef.current!;
    const chart = createChart(host, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#161a1e' }, textColor: '#848e9c', fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: '#1f242a' }, horzLines: { color: '#1f242a' } },
      rightPriceScale: { borderColor: '#2b3139' },
      timeScale: { borderColor: '#2b3139', rightOffset: 6, barSpacing: 9, timeVisible: true, secondsVisible: false, tickMarkFormatter: (t: number) => localLabel(t, false) },
      localization: { timeFormatter: (t: number) => localLabel(t, true) },
      crosshair: { mode: 0 },
    });
    const candles = chart.addSeries(CandlestickSeries, { upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN });
    const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    chartRef.current = { chart, candles, volume };
    return () => {
      chartRef.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    // Axis labels in the market's own format (KRW grouped, no float artefacts).
    chartRef.current?.candles.applyOptions({
      priceFormat: { type: 'custom', minMove: Number(market.info.tick_size), formatter: (p: number) => formatPrice(market, p) },
    });
  }, [market]);

  useEffect(() => {
    const c = chartRef.current!;
    let disposed = false;
    let loadingOlder = false;
    let exhausted = false;
    barsRef.current = [];
    c.candles.setData([]);
    c.volume.setData([]);
    setStatus('Loading…');

    const publish = () => {
      const bars = barsRef.current;
      const last = bars[bars.length - 1];
      const el = containerRef.current;
      if (!el) return;
      el.dataset.bars = String(bars.length);
      // 'complete' once the exchange has no older candles to give.
      el.dataset.history = exhausted ? 'complete' : 'partial';
      if (last) {
        el.dataset.lastClose = String(last.close);
        el.dataset.lastOpenTime = String(last.openTime);
        el.dataset.lastVolume = String(last.volume);
      } else {
        delete el.dataset.lastClose;
        delete el.dataset.lastOpenTime;
        delete el.dataset.lastVolume;
      }
      setStatus(bars.length === 0 ? 'No trades yet' : undefined);
    };

    const setAll = (bars: Bar[]) => {
      barsRef.current = bars;
      c.candles.setData(bars.map(candleData));
      c.volume.setData(bars.map(volumeData));
      publish();
    };

    /** Applies one candle: the open one moves, a later one appends, an earlier one is corrected. */
    const apply = (bar: Bar) => {
      const bars = barsRef.current;
      const last = bars[bars.length - 1];
      if (!last || bar.openTime > last.openTime) {
        bars.push(bar);
        c.candles.update(candleData(bar));
        c.volume.update(volumeData(bar));
      } else if (bar.openTime === last.openTime) {
        if (!supersedes(bar, last)) return;
        bars[bars.length - 1] = bar;
        c.candles.update(candleData(bar));
        c.volume.update(volumeData(bar));
      } else {
        setAll(reconcile(bars, [bar]));
        return;
      }
      publish();
    };

    const merge = (candles: Candle[]) => {
      for (const cd of candles) apply(toBar(cd));
    };

    const loadLatest = async () => {
      try {
        const candles = await api.klines(symbol, interval, { limit: historyPage });
        if (disposed) return;
        exhausted = candles.length < historyPage;
        // Pushes may have arrived while the request was in flight; keep whichever is newer.
        setAll(reconcile(barsRef.current, candles.map(toBar)));
      } catch (e) {
        if (!disposed) setStatus((e as Error).message);
      }
    };

    const loadOlder = async () => {
      const first = barsRef.current[0];
      if (loadingOlder || exhausted || !first) return;
      loadingOlder = true;
      try {
        const older = await api.klines(symbol, interval, { limit: historyPage, end: first.openTime - 1 });
        if (disposed) return;
        if (older.length < historyPage) exhausted = true;
        const firstNow = barsRef.current[0]?.openTime ?? Infinity;
        const fresh = older.filter((cd) => cd.open_time < firstNow).map(toBar);
        if (fresh.length === 0) exhausted = true;
        setAll([...fresh, ...barsRef.current]);
      } catch {
        return; // scroll again to retry
      } finally {
        loadingOlder = false;
      }
      // Still at the left edge (a short page): keep going without waiting for another scroll.
      const range = c.chart.timeScale().getVisibleLogicalRange();
      if (!disposed && range && range.from < SCROLL_BACK_MARGIN) void loadOlder();
    };

    const onRange = (range: LogicalRange | null) => {
      if (range && range.from < SCROLL_BACK_MARGIN) void loadOlder();
    };
    c.chart.timeScale().subscribeVisibleLogicalRangeChange(onRange);

    void loadLatest();
    const unsubscribe = feed.subscribe([{ channel: 'candles', symbol, interval }], {
      onMessage: (msg) => {
        if (msg.type !== 'CandlestickUpdate' || msg.symbol !== symbol || msg.interval !== interval) return;
        const k = msg.candle;
        const openTime = k.open_time ?? k.timestamp;
        if (openTime === undefined || k.open === undefined || k.high === undefined || k.low === undefined || k.close === undefined) return;
        apply({ openTime, open: k.open, high: k.high, low: k.low, close: k.close, volume: k.volume ?? 0, tradeCount: k.trade_count });
      },
      onGap: () => void loadLatest(),
    });

    mergeRef.current = (cs) => {
      if (!disposed) merge(cs);
    };

    return () => {
      disposed = true;
      mergeRef.current = () => undefined;
      unsubscribe();
      c.chart.timeScale().unsubscribeVisibleLogicalRangeChange(onRange);
    };
  }, [api, feed, symbol, interval, historyPage]);

  // While the socket is down, the newest candles every POLL_MS keep the open one moving.
  useEffect(() => {
    if (connection !== 'polling') return;
    const poll = () => {
      const merge = mergeRef.current;
      api.klines(symbol, interval, { limit: 3 }).then(merge, () => undefined);
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => clearInterval(timer);
  }, [api, symbol, interval, connection]);

  return (
    <section className="panel chart-panel">
      <div className="panel-head">
        <div className="intervals" role="group" aria-label="Candle interval">
          {INTERVALS.map((iv) => (
            <button key={iv} type="button" data-testid={`interval-${iv}`} aria-pressed={iv === interval} className={iv === interval ? 'active' : ''} onClick={() => onInterval(iv)}>
              {iv}
            </button>
          ))}
        </div>
        <span className="muted small">{formatIntervalHint(interval)}</span>
      </div>
      <div className="chart" data-testid="price-chart" data-symbol={symbol} data-interval={interval} ref={containerRef}>
        <div className="chart-host" ref={hostRef} />
        {status && <div className="chart-status muted">{status}</div>}
      </div>
    </section>
  );
}

function formatIntervalHint(iv: Interval): string {
  const minutes = INTERVAL_MS[iv] / 60_000;
  return minutes < 60 ? `${minutes}-minute candles` : minutes < 1440 ? `${minutes / 60}-hour candles` : 'daily candles';
}
