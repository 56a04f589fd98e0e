import { useEffect, useState, type FormEvent } from 'react';
import { formatDecimal, formatSteps, type Balance, type OrderType, type Side } from '@xtrader/protocol';
import { ApiError, type ExchangeApi } from '../lib/api';
import type { BookView } from '../hooks/useMarketData';
import { checkPrice, checkQuantity, estimateAgainstBook, formatFeeUnits, formatNotional, groupThousands, type Market } from '../lib/market';
import { availableOf, canFund, maxQuantity, orderSpend } from '../lib/funds';

/** A price picked in the order book; `n` makes picking the same price twice an update. */
export interface PickedPrice {
  price: string;
  n: number;
}

interface Props {
  api: ExchangeApi;
  market: Market;
  book?: BookView;
  picked?: PickedPrice;
  /** Only a signed-in account may place orders; pressing Buy/Sell signed out calls `onLoginRequired`. */
  signedIn: boolean;
  onLoginRequired(): void;
  onPlaced(orderId: string): void;
  /** The account's balances (undefined signed out or before they load): the form refuses what they cannot fund. */
  balances?: Balance[];
}

interface Errors {
  price?: string;
  quantity?: string;
  form?: string;
}

/** Which field an API error code is about, so its message is shown next to that field. */
function fieldOf(code: string): keyof Errors {
  if (code === 'INVALID_PRICE' || code === 'PRICE_REQUIRED') return 'price';
  if (code === 'INVALID_QUANTITY') return 'quantity';
  return 'form';
}

/**
 * Buy/Sell, Limit/Market with the market's tick and lot checked by the same protocol code the
 * api runs, before anything is sent; the API's own error shown in words next to its field.
 */
export function OrderForm({ api, market, book, picked, signedIn, onLoginRequired, onPlaced, balances }: Props) {
  const [side, setSide] = useState<Side>('Buy');
  const [type, setType] = useState<OrderType>('Limit');
  const [price, setPrice] = useState('');
  const [quantity, setQuantity] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setPrice('');
    setQuantity('');
    setErrors({});
    setNotice(undefined);
  }, [market.symbol]);

  useEffect(() => {
    if (!picked) return;
    setPrice(picked.price);
    setType('Limit');
    setErrors((e) => ({ ...e, price: undefined }));
  }, [picked]);

  const priceCheck = type === 'Limit' ? checkPrice(market, price) : undefined;
  const qtyCheck = checkQuantity(market, quantity);
  let total = '—';
  if (qtyCheck.ok) {
    if (priceCheck?.ok) total = `${formatNotional(market, priceCheck.steps, qtyCheck.steps)} ${market.info.quote}`;
    else if (type === 'Market') {
      const levels = (side === 'Buy' ? book?.asks : book?.bids) ?? [];
      const est = estimateAgainstBook(market, levels, qtyCheck.steps);
      total = est.filledLots === 0 ? 'no liquidity' : `≈ ${formatFeeUnits(market, est.units)} ${market.info.quote}${est.filledLots < qtyCheck.steps ? ' (book too thin)' : ''}`;
    }
  }

  const spendAsset = side === 'Buy' ? market.info.quote : market.info.base;
  const priceTicks = priceCheck?.ok ? priceCheck.steps : undefined;
  const fillMax = () => {
    const max = maxQuantity(market, balances, side, type, priceTicks);
    setErrors((er) => ({ ...er, quantity: max ? undefined : side === 'Buy' && type === 'Limit' && priceTicks === undefined ? 'Enter a price first' : `Not enough ${spendAsset} for the minimum quantity ${market.info.min_quantity}` }));
    if (max) setQuantity(max);
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setNotice(undefined);
    if (!signedIn) {
      onLoginRequired();
      return;
    }
    const next: Errors = {};
    if (priceCheck && !priceCheck.ok) next.price = priceCheck.message;
    if (!qtyCheck.ok) next.quantity = qtyCheck.message;
    setErrors(next);
    if (next.price || next.quantity || !qtyCheck.ok) return;
    // Refused here, before anything is sent, when the account cannot fund what the exchange would lock.
    const spend = orderSpend(market, side, type, priceTicks, qtyCheck.steps);
    if (balances && !canFund(balances, spend)) {
      const needed = groupThousands(formatDecimal({ mantissa: spend.units, scale: spend.scale }));
      const why = side === 'Buy' && type === 'Market' ? ` (a market buy locks at the highest price, ${groupThousands(market.info.max_price)} ${market.info.quote}, until it ends)` : '';
      setErrors({ form: `Insufficient funds: this order needs ${needed} ${spend.asset}${why}; available ${groupThousands(String(availableOf(balances, spend.asset)))} ${spend.asset}` });
      return;
    }
    // Send the exact decimals the checks accepted, as strings: no float on the way out.
    const qtyText = formatSteps(qtyCheck.steps, market.spec.lot);
    const priceText = priceCheck?.ok ? formatSteps(priceCheck.steps, market.spec.tick) : undefined;
    setBusy(true);
    try {
      const res = await api.placeOrder({ symbol: market.symbol, side, type, quantity: qtyText, ...(priceText ? { price: priceText } : {}) });
      onPlaced(res.order_id);
      setNotice(`${side} order accepted`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onLoginRequired();
      else if (e instanceof ApiError) setErrors({ [fieldOf(e.code)]: e.message });
      else setErrors({ form: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel form-panel" data-testid="order-form">
      <form onSubmit={submit} noValidate>
        <div className="side-tabs" role="group" aria-label="Side">
          {(['Buy', 'Sell'] as const).map((s) => (
            <button key={s} type="button" data-testid={`side-${s.toLowerCase()}`} aria-pressed={side === s} className={`${s.toLowerCase()} ${side === s ? 'active' : ''}`} onClick={() => setSide(s)}>
              {s}
            </button>
          ))}
        </div>
        <div className="type-tabs" role="group" aria-label="Order type">
          {(['Limit', 'Market'] as const).map((t) => (
            <button key={t} type="button" data-testid={`type-${t.toLowerCase()}`} aria-pressed={type === t} className={type === t ? 'active' : ''} onClick={() => setType(t)}>
              {t}
            </button>
          ))}
        </div>
        <label className="field">
          <span className="field-label">Price</span>
          <span className={`input-wrap ${errors.price ? 'invalid' : ''}`}>
            <input
              data-testid="price-input"
              inputMode="decimal"
              autoComplete="off"
              disabled={type === 'Market'}
              placeholder={type === 'Market' ? 'Best available' : `tick ${market.info.tick_size}`}
              value={type === 'Market' ? '' : price}
              onChange={(e) => {
                setPrice(e.target.value);
                setErrors((er) => ({ ...er, price: undefined, form: undefined }));
              }}
            />
            <span className="unit">{market.info.quote}</span>
          </span>
          {errors.price && (
            <span className="field-error" data-testid="price-error" role="alert">
              {errors.price}
            </span>
          )}
        </label>
        {signedIn && (
          <div className="total-line">
            <span className="muted">Available</span>
            <span data-testid="available" data-asset={spendAsset} data-value={balances ? availableOf(balances, spendAsset) : ''}>
              {balances ? `${groupThousands(String(availableOf(balances, spendAsset)))} ${spendAsset}` : '—'}
            </span>
          </div>
        )}
        <label className="field">
          <span className="field-label">
            Quantity
            {signedIn && (
              <button type="button" className="link-button max-button" data-testid="max-quantity" onClick={fillMax}>
                Max
              </button>
            )}
          </span>
          <span className={`input-wrap ${errors.quantity ? 'invalid' : ''}`}>
            <input
              data-testid="quantity-input"
              inputMode="decimal"
              autoComplete="off"
              placeholder={`lot ${market.info.lot_size}`}
              value={quantity}
              onChange={(e) => {
                setQuantity(e.target.value);
                setErrors((er) => ({ ...er, quantity: undefined, form: undefined }));
              }}
            />
            <span className="unit">{market.info.base}</span>
          </span>
          {errors.quantity && (
            <span className="field-error" data-testid="quantity-error" role="alert">
              {errors.quantity}
            </span>
          )}
        </label>
        <div className="total-line">
          <span className="muted">Est. total</span>
          <span data-testid="order-total">{total}</span>
        </div>
        <button type="submit" data-testid="submit-order" className={`submit ${side.toLowerCase()}`} disabled={busy}>
          {side} {market.info.base}
        </button>
        {!signedIn && (
          <div className="muted small" data-testid="login-to-trade">
            <button type="button" className="link-button" onClick={onLoginRequired}>
              Log in
            </button>{' '}
            to place orders.
          </div>
        )}
        {errors.form && (
          <div className="field-error" data-testid="form-error" role="alert">
            {errors.form}
          </div>
        )}
        {notice && (
          <div className="notice" data-testid="form-notice">
            {notice}
          </div>
        )}
      </form>
    </section>
  );
}
