import { Router, type Request, type Response } from 'express';
import { isFinished, XtError, type AccountResponse, type ApiKeyScope, type MarketSpec, type MyTrade, type OrderView } from '@xtrader/protocol';
import type { CredentialReader } from '@xtrader/platform';
import type { Principal } from '../auth/account-store';
import type { PlaceAnswer, PlaceQuery } from '../orders/place';
import { BinanceError, fromXtError } from './errors';
import type { BinanceMarkets } from './markets';
import { fixed } from './markets';
import type { OrderNumbers } from './order-numbers';
import { translateNewOrder } from './order-params';
import type { BinanceParams } from './params';
import { cancelShape, myTradeShape, newOrderShape, orderShape } from './shapes';
import { verifyBinanceSigned } from './signing';
import type { RequestWeight } from './weight';

/**
 * The exchange's own order and account functions that the signed routes translate to and from:
 * the same ones `/api/v1`'s routes call, so both dialects act on one set of orders and balances.
 */
export interface OrderFunctions {
  place(body: unknown, query: PlaceQuery, accountId: string): Promise<PlaceAnswer>;
  /** The cancelled order of `symbol`; throws ORDER_NOT_FOUND (unknown, another account's, finished) or TIMEOUT. */
  cancel(symbol: string, orderId: string, accountId: string): Promise<OrderView>;
  /** Cancels the account's open orders on `symbol`; the ids cancelled. */
  cancelAll(symbol: string, accountId: string): Promise<string[]>;
  /** One of the account's orders on `symbol`, read there only (undefined for another account's, like an unknown id). */
  find(symbol: string, orderId: string, accountId: string): Promise<OrderView | undefined>;
  /** The order id that the account's `client_order_id` names on `symbol`, if remembered. */
  byClientOrderId(symbol: string, clientOrderId: string, accountId: string): Promise<string | undefined>;
  orders(accountId: string, symbols: string[], status: 'open' | 'all', limit: number): Promise<OrderView[]>;
  trades(accountId: string, symbols: string[], limit: number): Promise<MyTrade[]>;
  account(principal: Principal): Promise<AccountResponse>;
  /** How many recent orders per symbol an account's list reaches. */
  readonly ordersMax: number;
}

export interface SignedRouteDeps {
  markets: BinanceMarkets;
  orders: OrderFunctions;
  numbers: OrderNumbers;
  credentials: CredentialReader;
  /** Spends one of the account's trade requests (the per-account limit both dialects share). */
  chargeTrade: (who: Principal) => Promise<void>;
  weight: RequestWeight;
  clientOf: (req: Request) => string;
  paramsOf: (req: Request) => BinanceParams;
  queryOf: (req: Request) => string;
  bodyOf: (req: Request) => string;
}

/** A balance as Binance writes one: eight places at least, the asset's own when it has more. */
function amount(value: number): string {
  return fixed(value, 8);
}

/**
 * The SIGNED routes of `/api/v3`: order (POST/GET/DELETE), openOrders (GET/DELETE), allOrders,
 * account, myTrades. Each authenticates Binance's way, translates its parameters, calls the
 * shared function, and writes the answer in Binance's shape.
 */
export function signedRoutes(deps: SignedRouteDeps): Router {
  const { markets, orders, numbers, credentials, weight, clientOf, paramsOf } = deps;
  const router = Router({ caseSensitive: true });
  const charge = (w: number | ((q: Record<string, unknown>) => number)) => weight.charge(w, clientOf);

  async function signed(req: Request, scope: ApiKeyScope): Promise<{ p: BinanceParams; who: Principal }> {
    const p = paramsOf(req);
    const who = await verifyBinanceSigned(credentials, { headers: req.headers, query: deps.queryOf(req), body: deps.bodyOf(req), params: p }, scope);
    if (scope === 'trade') await deps.chargeTrade(who);
    return { p, who };
  }

  /** Binance answers and shapes need the orders' integer numbers. */
  async function shaped(spec: MarketSpec, views: OrderView[]) {
    const open = new Set(views.filter((v) => !isFinished(v.status)).map((v) => v.order_id));
    const ns = await numbers.numbersOf(spec.symbol, views.map((v) => v.order_id), open);
    const name = markets.nameOf(spec.symbol);
    return views.flatMap((v, i) => (ns[i] === undefined ? [] : [{ n: ns[i]!, view: v, shape: orderShape(spec, name, ns[i]!, v) }]));
  }

  /** The order that `orderId` or `origClientOrderId` names, among the account's own (-2013 otherwise). */
  async function named(p: BinanceParams, spec: MarketSpec, accountId: string): Promise<{ view: OrderView; n: number }> {
    const numberText = p.optional('orderId');
    const clientId = p.optional('origClientOrderId');
    if (numberText === undefined && clientId === undefined) {
      throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    let id: string | undefined;
    if (numberText !== undefined) {
      if (!/^\d{1,15}$/.test(numberText)) throw new BinanceError('ILLEGAL_CHARS', "Illegal characters found in parameter 'orderId'; it must be an integer.");
      id = await numbers.orderIdOf(spec.symbol, Number(numberText));
    } else {
      // An order placed without a client order id shows its order id in that place.
      id = (await orders.byClientOrderId(spec.symbol, clientId!, accountId)) ?? clientId;
    }
    const view = id === undefined || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id) ? undefined : await orders.find(spec.symbol, id, accountId);
    if (!view || (clientId !== undefined && numberText !== undefined && (view.client_order_id ?? view.order_id) !== clientId)) {
      throw new BinanceError('NO_SUCH_ORDER', 'Order does not exist.');
    }
    const n = await numbers.numberOf(spec.symbol, view.order_id, !isFinished(view.status));
    if (n === undefined) throw new BinanceError('NO_SUCH_ORDER', 'Order does not exist.');
    return { view, n };
  }

  router.post('/order', charge(1), async (req: Request, res: Response) => {
    const { p, who } = await signed(req, 'trade');
    const order = translateNewOrder(p, markets);
    p.finish();
    let answer: PlaceAnswer;
    try {
      answer = await orders.place(order.body, order.respType === 'ACK' ? {} : { wait: 'true' }, who.accountId);
    } catch (e) {
      if (e instanceof XtError) throw fromXtError(e, 'place');
      throw e;
    }
    const body = answer.body as Record<string, unknown>;
    if (answer.status === 504) throw new BinanceError('TIMEOUT', `Timeout waiting for response from backend server. Send status unknown; execution status unknown. (order accepted as ${String(body.order_id)}; query it by origClientOrderId)`);
    const view = answer.status === 200 ? (body as unknown as OrderView) : await orders.find(order.spec.symbol, String(body.order_id), who.accountId);
    if (!view) throw new BinanceError('UNKNOWN', 'The order was accepted but cannot be read back; query it by origClientOrderId.');
    if (view.status === 'REJECTED' && view.reject_reason !== 'FOK_CANNOT_FILL') {
      const why = view.reject_reason === 'POST_ONLY_WOULD_CROSS' ? 'Order would immediately match and take.' : `Order rejected (${view.reject_reason ?? 'unknown reason'}).`;
      throw new BinanceError('NEW_ORDER_REJECTED', why);
    }
    const n = await numbers.numberOf(order.spec.symbol, view.order_id, !isFinished(view.status));
    res.json(newOrderShape(order.spec, markets.nameOf(order.spec.symbol), n!, view, order.respType));
  });

  router.get('/order', charge(4), async (req, res) => {
    const { p, who } = await signed(req, 'read');
    const spec = markets.spec(p.required('symbol'));
    const { view, n } = await named(p, spec, who.accountId);
    p.finish();
    res.json(orderShape(spec, markets.nameOf(spec.symbol), n, view));
  });

  router.delete('/order', charge(1), async (req, res) => {
    const { p, who } = await signed(req, 'trade');
    const spec = markets.spec(p.required('symbol'));
    p.accept('newClientOrderId');
    if (p.optional('cancelRestrictions') !== undefined) throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', "Unsupported order combination: 'cancelRestrictions' is not served.");
    let target;
    try {
      target = await named(p, spec, who.accountId);
    } catch (e) {
      // Binance refuses a cancel of an order it does not know with -2011, as one it cannot cancel.
      if (e instanceof BinanceError && e.kind === 'NO_SUCH_ORDER') throw new BinanceError('CANCEL_REJECTED', 'Unknown order sent.');
      throw e;
    }
    p.finish();
    let cancelled: OrderView;
    try {
      cancelled = await orders.cancel(spec.symbol, target.view.order_id, who.accountId);
    } catch (e) {
      if (e instanceof XtError) throw fromXtError(e, 'cancel');
      throw e;
    }
    res.json(cancelShape(spec, markets.nameOf(spec.symbol), target.n, cancelled, target.view.client_order_id ?? target.view.order_id));
  });

  router.get('/openOrders', charge((q) => (q.symbol !== undefined ? 6 : 80)), async (req, res) => {
    const { p, who } = await signed(req, 'read');
    const name = p.optional('symbol');
    p.finish();
    const specs = name === undefined ? markets.all() : [markets.spec(name)];
    const views = await orders.orders(who.accountId, specs.map((s) => s.symbol), 'open', orders.ordersMax * specs.length);
    const out = [];
    for (const spec of specs) out.push(...(await shaped(spec, views.filter((v) => v.symbol === spec.symbol))).map((o) => o.shape));
    res.json(out.sort((a, b) => a.time - b.time || a.orderId - b.orderId));
  });

  router.delete('/openOrders', charge(1), async (req, res) => {
    const { p, who } = await signed(req, 'trade');
    const spec = markets.spec(p.required('symbol'));
    p.finish();
    let ids: string[];
    try {
      ids = await orders.cancelAll(spec.symbol, who.accountId);
    } catch (e) {
      if (e instanceof XtError) throw fromXtError(e, 'cancel');
      throw e;
    }
    const views = (await Promise.all(ids.map((id) => orders.find(spec.symbol, id, who.accountId)))).filter((v): v is OrderView => v !== undefined);
    const rows = await shaped(spec, views);
    const name = markets.nameOf(spec.symbol);
    res.json(rows.map((r) => cancelShape(spec, name, r.n, r.view, r.view.client_order_id ?? r.view.order_id)));
  });

  router.get('/allOrders', charge(20), async (req, res) => {
    const { p, who } = await signed(req, 'read');
    const spec = markets.spec(p.required('symbol'));
    const fromNumber = p.integer('orderId', 0, Number.MAX_SAFE_INTEGER);
    const start = p.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const end = p.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    const limit = p.integer('limit', 1, 1000) ?? 500;
    p.finish();
    const views = await orders.orders(who.accountId, [spec.symbol], 'all', orders.ordersMax);
    const rows = (await shaped(spec, views))
      .map((r) => r.shape)
      .filter((o) => (fromNumber === undefined || o.orderId >= fromNumber) && (start === undefined || o.time >= start) && (end === undefined || o.time <= end))
      .sort((a, b) => a.orderId - b.orderId);
    res.json(fromNumber !== undefined || start !== undefined ? rows.slice(0, limit) : rows.slice(-limit));
  });

  router.get('/account', charge(20), async (req, res) => {
    const { p, who } = await signed(req, 'read');
    const omitZero = p.oneOf('omitZeroBalances', ['true', 'false'] as const) === 'true';
    p.finish();
    const account = await orders.account(who);
    const balances = (account.balances ?? [])
      .filter((b) => !omitZero || b.available !== 0 || b.locked !== 0)
      .map((b) => ({ asset: b.asset, free: amount(b.available), locked: amount(b.locked) }));
    res.json({
      makerCommission: 0,
      takerCommission: 0,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: { maker: '0.00000000', taker: '0.00000000', buyer: '0.00000000', seller: '0.00000000' },
      canTrade: who.scopes.includes('trade'),
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: Date.now(),
      accountType: 'SPOT',
      balances,
      permissions: ['SPOT'],
    });
  });

  router.get('/myTrades', charge(20), async (req, res) => {
    const { p, who } = await signed(req, 'read');
    const spec = markets.spec(p.required('symbol'));
    const orderNumber = p.integer('orderId', 0, Number.MAX_SAFE_INTEGER);
    const start = p.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const end = p.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    const fromId = p.integer('fromId', 0, Number.MAX_SAFE_INTEGER);
    const limit = p.integer('limit', 1, 1000) ?? 500;
    p.finish();
    const trades = (await orders.trades(who.accountId, [spec.symbol], 1000)).reverse();
    const orderIds = [...new Set(trades.map((t) => t.order_id))];
    const ns = await numbers.numbersOf(spec.symbol, orderIds);
    const numberOf = new Map(orderIds.map((id, i) => [id, ns[i]]));
    const name = markets.nameOf(spec.symbol);
    const rows = trades
      .filter((t) => numberOf.get(t.order_id) !== undefined)
      .map((t) => myTradeShape(spec, name, numberOf.get(t.order_id)!, t))
      .filter((t) => (orderNumber === undefined || t.orderId === orderNumber) && (start === undefined || t.time >= start) && (end === undefined || t.time <= end) && (fromId === undefined || t.id >= fromId));
    res.json(start !== undefined || fromId !== undefined ? rows.slice(0, limit) : rows.slice(-limit));
  });

  return router;
}
