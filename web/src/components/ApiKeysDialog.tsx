import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiKeyInfo, ApiKeyScope, CreatedApiKey } from '@xtrader/protocol';
import type { ExchangeApi } from '../lib/api';
import { useEscapeKey } from '../hooks/useEscapeKey';
import { EmptyTableRow } from './EmptyTableRow';

const SCOPE_TEXT: Record<ApiKeyScope, string> = {
  read: 'Read (orders, trades, account)',
  trade: 'Trade (place and cancel orders)',
};

function day(ms: number): string {
  return new Date(ms).toLocaleString([], { hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/**
 * The account's API keys for bots: create one with its scopes (the secret is shown once, with a
 * copy button), list them, revoke one.
 */
export function ApiKeysDialog({ api, onClose }: { api: ExchangeApi; onClose(): void }) {
  const [keys, setKeys] = useState<ApiKeyInfo[]>();
  const [error, setError] = useState<string>();
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<Record<ApiKeyScope, boolean>>({ read: true, trade: false });
  const [created, setCreated] = useState<CreatedApiKey>();
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setKeys(await api.apiKeys());
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  useEscapeKey(onClose);

  const create = async (ev: FormEvent) => {
    ev.preventDefault();
    const chosen = (Object.keys(scopes) as ApiKeyScope[]).filter((s) => scopes[s]);
    if (label.trim() === '') return setError('Give the key a label, e.g. the bot that uses it.');
    if (chosen.length === 0) return setError('Choose at least one scope.');
    setBusy(true);
    setError(undefined);
    try {
      const key = await api.createApiKey(label.trim(), chosen);
      setCreated(key);
      setCopied(false);
      setLabel('');
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const copySecret = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.api_secret);
      setCopied(true);
    } catch {
      setError('The browser refused the clipboard: select the secret and copy it by hand.');
    }
  };

  const revoke = async (apiKey: string) => {
    setError(undefined);
    try {
      await api.revokeApiKey(apiKey);
      if (created?.api_key === apiKey) setCreated(undefined);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal wide" role="dialog" aria-modal="true" aria-label="API keys" data-testid="api-keys-dialog">
        <div className="modal-head">
          <h2>API keys</h2>
          <button type="button" className="close-button" aria-label="Close" data-testid="api-keys-close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="modal-body">
          <p className="muted small">
            A key lets a program act for this account: it signs each request with the secret (HMAC-SHA256, see docs/protocol.md). Give a bot only the scopes it needs.
          </p>
          <form className="key-form" onSubmit={create} noValidate>
            <label className="field grow">
              <span className="field-label">Label</span>
              <span className="input-wrap">
                <input data-testid="api-key-label" maxLength={64} autoComplete="off" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="market maker" />
              </span>
            </label>
            {(Object.keys(SCOPE_TEXT) as ApiKeyScope[]).map((s) => (
              <label key={s} className="check">
                <input type="checkbox" data-testid={`api-key-scope-${s}`} checked={scopes[s]} onChange={(e) => setScopes((v) => ({ ...v, [s]: e.target.checked }))} />
                {SCOPE_TEXT[s]}
              </label>
            ))}
            <button type="submit" className="submit primary" data-testid="api-key-create" disabled={busy}>
              Create key
            </button>
          </form>
          {created && (
            <div className="secret-box" data-testid="api-key-created" data-api-key={created.api_key}>
              <div className="secret-warning">Copy the secret now: it is shown only once and cannot be recovered.</div>
              <div className="secret-line">
                <span className="muted">Key</span>
                <code data-testid="api-key-created-key">{created.api_key}</code>
              </div>
              <div className="secret-line">
                <span className="muted">Secret</span>
                <code data-testid="api-key-secret">{created.api_secret}</code>
                <button type="button" className="small-button" data-testid="api-key-copy" onClick={() => void copySecret()}>
                  {copied ? 'Copied' : 'Copy'}
                </button>
              </div>
              <button type="button" className="link-button small" data-testid="api-key-done" onClick={() => setCreated(undefined)}>
                I have stored it
              </button>
            </div>
          )}
          {error && (
            <div className="field-error" data-testid="api-keys-error" role="alert">
              {error}
            </div>
          )}
          <table className="orders-table keys-table">
            <thead>
              <tr className="muted small">
                <th>Label</th>
                <th>Key</th>
                <th>Scopes</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys?.length === 0 && <EmptyTableRow columns={5} text="No API keys" />}
              {keys?.map((k) => (
                <tr key={k.api_key} data-testid="api-key-row" data-api-key={k.api_key}>
                  <td>{k.label}</td>
                  <td>
                    <code>{k.api_key}</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td className="muted">{day(k.created_at)}</td>
                  <td className="num">
                    <button type="button" className="link-button danger" data-testid="api-key-revoke" onClick={() => void revoke(k.api_key)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
