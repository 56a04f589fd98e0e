import { useEffect, useState } from 'react';
import type { Balance } from '@xtrader/protocol';
import { ApiError, type ExchangeApi } from '../lib/api';
import { groupThousands } from '../lib/market';
import { EmptyTableRow } from './EmptyTableRow';

interface Props {
  api: ExchangeApi;
  signedIn: boolean;
  /** Undefined while loading. */
  balances?: Balance[];
  /** The faucet deposited: read the balances again (their pushes may also come). */
  onFunded(): void;
}

/** A balance number as the api sent it (its exact decimal), with thousands separators. */
const amount = (n: number) => groupThousands(String(n).includes('e') ? n.toFixed(8).replace(/\.?0+$/, '') : String(n));

/**
 * The signed-in account's balances, per asset available and locked (by an open order), as the
 * api and the private `balances` channel give them; with the demo faucet on, a button that takes
 * its balance (once an hour).
 */
export function Balances({ api, signedIn, balances, onFunded }: Props) {
  const [faucet, setFaucet] = useState(false);
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setFaucet(false);
    setMessage(undefined);
    if (!signedIn) return;
    let stopped = false;
    api.faucetInfo().then(
      () => !stopped && setFaucet(true),
      () => undefined,
    );
    return () => {
      stopped = true;
    };
  }, [api, signedIn]);

  if (!signedIn) return null;

  const take = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      await api.takeFaucet();
      setMessage('Demo funds deposited');
      onFunded();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel balances-panel" data-testid="balances">
      <div className="panel-head">
        <h2>Balances</h2>
        {faucet && (
          <button type="button" className="link-button" data-testid="faucet" disabled={busy} onClick={() => void take()}>
            Get demo funds
          </button>
        )}
      </div>
      <table className="orders-table">
        <thead>
          <tr>
            <th>Asset</th>
            <th className="num">Available</th>
            <th className="num">Locked</th>
          </tr>
        </thead>
        <tbody>
          {balances === undefined && <EmptyTableRow columns={3} text="Loading…" />}
          {balances?.map((b) => (
            <tr key={b.asset} data-testid="balance-row" data-asset={b.asset} data-available={b.available} data-locked={b.locked}>
              <td>{b.asset}</td>
              <td className="num">{amount(b.available)}</td>
              <td className="num muted">{amount(b.locked)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {message && (
        <div className="notice small" data-testid="faucet-message">
          {message}
        </div>
      )}
    </section>
  );
}
