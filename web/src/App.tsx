import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { Interval } from '@xtrader/protocol';
import { DEFAULT_CANDLE_INTERVAL, INTERVALS } from '@xtrader/protocol';
import { ExchangeApi } from './lib/api';
import { MarketFeed } from './lib/feed';
import { priceInputText, toMarket, type Market } from './lib/market';
import { useMarketData } from './hooks/useMarketData';
import { useAccountActivity } from './hooks/useAccountActivity';
import { useSession } from './hooks/useSession';
import { ConnectionIndicator } from './components/ConnectionIndicator';
import { StatsBar } from './components/StatsBar';
import { PriceChart } from './components/PriceChart';
import { OrderBook } from './components/OrderBook';
import { RecentTrades } from './components/RecentTrades';
import { OrderForm, type PickedPrice } from './components/OrderForm';
import { MyOrders } from './components/MyOrders';
import { Balances } from './components/Balances';
import { AccountMenu } from './components/AccountMenu';
import { AuthDialog, type AuthMode } from './components/AuthDialog';
import { ApiKeysDialog } from './components/ApiKeysDialog';

/**
 * `?symbol=ETH-KRW&interval=1m` in the address chooses the market and candles to show;
 * `&candles=50` how many candles each history request asks for (default 300).
 */
function readLocation(): { symbol?: string; interval?: Interval; historyPage?: number } {
  const q = new URLSearchParams(window.location.search);
  const iv = q.get('interval');
  const page = Number(q.get('candles'));
  return {
    symbol: q.get('symbol') ?? undefined,
    interval: (INTERVALS as readonly string[]).includes(iv ?? '') ? (iv as Interval) : undefined,
    historyPage: Number.isInteger(page) && page >= 1 && page <= 1000 ? page : undefined,
  };
}

function writeLocation(symbol: string, interval: Interval): void {
  const q = new URLSearchParams(window.location.search);
  q.set('symbol', symbol);
  q.set('interval', interval);
  window.history.replaceState(null, '', `${window.location.pathname}?${q}`);
}

/** Loads the market list, then shows the trading page. */
export function App({ api, feed }: { api: ExchangeApi; feed: MarketFeed }) {
  const [markets, setMarkets] = useState<Market[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      api.symbols().then(
        (list) => !stopped && setMarkets(list.map(toMarket)),
        (e: Error) => {
          if (stopped) return;
          setError(e.message);
          timer = setTimeout(load, 2000);
        },
      );
    };
    load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [api]);

  if (!markets) {
    return <div className="splash">{error ? `Cannot load markets: ${error}. Retrying…` : 'Loading markets…'}</div>;
  }
  if (markets.length === 0) return <div className="splash">The exchange lists no markets.</div>;
  return <TradingPage api={api} feed={feed} markets={markets} />;
}

function TradingPage({ api, feed, markets }: { api: ExchangeApi; feed: MarketFeed; markets: Market[] }) {
  const byName = useMemo(() => new Map(markets.map((m) => [m.symbol, m])), [markets]);
  const initial = useMemo(readLocation, []);
  const [symbol, setSymbol] = useState(() => (initial.symbol && byName.has(initial.symbol) ? initial.symbol : markets[0].symbol));
  const [interval, setCandleInterval] = useState<Interval>(initial.interval ?? (DEFAULT_CANDLE_INTERVAL as Interval));
  const [picked, setPicked] = useState<PickedPrice>();
  const connection = useSyncExternalStore(feed.onStateChange, feed.getState);
  const market = byName.get(symbol)!;
  const data = useMarketData(api, feed, symbol, connection);
  const session = useSession(api, feed);
  const signedIn = session.state.status === 'signed-in';
  const activity = useAccountActivity(api, feed, session.state, connection);
  const [auth, setAuth] = useState<{ mode: AuthMode; reason?: string }>();
  const [showKeys, setShowKeys] = useState(false);
  const closeAuth = useCallback(() => setAuth(undefined), []);
  const closeKeys = useCallback(() => setShowKeys(false), []);
  const loginToTrade = useCallback(() => setAuth({ mode: 'login', reason: 'Log in or sign up to place orders.' }), []);

  // Signed out (here or by an expired session): nothing account-only stays open.
  useEffect(() => {
    if (!signedIn) setShowKeys(false);
  }, [signedIn]);

  useEffect(() => {
    writeLocation(symbol, interval);
    document.title = data.stats?.last_price != null ? `${symbol} ${priceInputText(market, data.stats.last_price)} · xTrader` : `${symbol} · xTrader`;
  }, [symbol, interval, market, data.stats?.last_price]);

  const pickPrice = useCallback((price: number) => setPicked((p) => ({ price: priceInputText(market, price), n: (p?.n ?? 0) + 1 })), [market]);

  return (
    <div className="page">
      <header className="topbar">
        <div className="brand">xTrader</div>
        <label className="symbol-select">
          <span className="sr-only">Market</span>
          <select data-testid="symbol-select" value={symbol} onChange={(e) => setSymbol(e.target.value)}>
            {markets.map((m) => (
              <option key={m.symbol} value={m.symbol}>
                {m.info.base}/{m.info.quote}
              </option>
            ))}
          </select>
        </label>
        <StatsBar market={market} stats={data.stats} />
        <ConnectionIndicator state={connection} />
        <AccountMenu session={session} onAuth={(mode) => setAuth({ mode })} onApiKeys={() => setShowKeys(true)} />
      </header>
      {data.error && (
        <div className="banner" data-testid="data-error">
          {data.error}
        </div>
      )}
      <main className="grid">
        <OrderBook market={market} book={data.book} lastPrice={data.stats?.last_price} lastSide={data.trades[0]?.side} onPickPrice={pickPrice} />
        <PriceChart api={api} feed={feed} market={market} interval={interval} onInterval={setCandleInterval} connection={connection} historyPage={initial.historyPage} />
        <div className="side-column">
          <OrderForm api={api} market={market} book={data.book} picked={picked} signedIn={signedIn} onLoginRequired={loginToTrade} onPlaced={activity.placed} balances={activity.balances} />
          <Balances api={api} signedIn={signedIn} balances={activity.balances} onFunded={activity.reload} />
          <RecentTrades market={market} trades={data.trades} />
        </div>
        <MyOrders
          signedIn={signedIn}
          orders={activity.orders}
          trades={activity.trades}
          error={activity.error}
          markets={byName}
          cancelErrors={activity.cancelErrors}
          onCancel={(id) => void activity.cancel(id)}
          onLogin={() => setAuth({ mode: 'login' })}
        />
      </main>
      {auth && <AuthDialog session={session} mode={auth.mode} reason={auth.reason} onMode={(mode) => setAuth({ mode })} onClose={closeAuth} />}
      {showKeys && signedIn && <ApiKeysDialog api={api} onClose={closeKeys} />}
    </div>
  );
}
