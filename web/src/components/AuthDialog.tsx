import { useEffect, useRef, useState, type FormEvent } from 'react';
import { LoginRequest, SignupRequest } from '@xtrader/protocol';
import { ApiError } from '../lib/api';
import type { Session } from '../hooks/useSession';
import { useEscapeKey } from '../hooks/useEscapeKey';

export type AuthMode = 'login' | 'signup';

interface Props {
  session: Session;
  mode: AuthMode;
  /** Why the dialog opened (e.g. "Log in to place orders"). */
  reason?: string;
  onMode(mode: AuthMode): void;
  onClose(): void;
}

/** The api's answers, in words a person acts on. */
function describe(e: unknown): string {
  if (!(e instanceof ApiError)) return (e as Error).message;
  switch (e.code) {
    case 'INVALID_CREDENTIALS':
      return 'Wrong username or password.';
    case 'USERNAME_TAKEN':
      return 'That username is taken; choose another.';
    case 'RATE_LIMITED':
      return 'Too many attempts; wait a minute and try again.';
    default:
      return e.message;
  }
}

/**
 * Log in or sign up. Username and password rules are the shared schema's, checked before sending;
 * the api's answer is shown in the dialog.
 */
export function AuthDialog({ session, mode, reason, onMode, onClose }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    first.current?.focus();
    setError(undefined);
  }, [mode]);

  useEscapeKey(onClose);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const check = (mode === 'signup' ? SignupRequest : LoginRequest).safeParse({ username, password });
    if (!check.success) {
      setError(check.error.issues[0]?.message ?? 'invalid');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await (mode === 'signup' ? session.signup(username, password) : session.login(username, password));
      onClose();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const title = mode === 'signup' ? 'Create an account' : 'Log in';
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title} data-testid="auth-dialog" data-mode={mode}>
        <div className="modal-head">
          <div className="auth-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === 'login'} className={mode === 'login' ? 'active' : ''} data-testid="auth-tab-login" onClick={() => onMode('login')}>
              Log in
            </button>
            <button type="button" role="tab" aria-selected={mode === 'signup'} className={mode === 'signup' ? 'active' : ''} data-testid="auth-tab-signup" onClick={() => onMode('signup')}>
              Sign up
            </button>
          </div>
          <button type="button" className="close-button" aria-label="Close" data-testid="auth-close" onClick={onClose}>
            ×
          </button>
        </div>
        <form className="modal-body" onSubmit={submit} noValidate>
          {reason && (
            <div className="notice-box" data-testid="auth-reason">
              {reason}
            </div>
          )}
          <label className="field">
            <span className="field-label">Username</span>
            <span className="input-wrap">
              <input
                ref={first}
                data-testid="auth-username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            </span>
            {mode === 'signup' && <span className="muted small">3-32 of a-z, 0-9 and _</span>}
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <span className="input-wrap">
              <input
                data-testid="auth-password"
                type="password"
                autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </span>
            {mode === 'signup' && <span className="muted small">at least 8 characters</span>}
          </label>
          {error && (
            <div className="field-error" data-testid="auth-error" role="alert">
              {error}
            </div>
          )}
          <button type="submit" className="submit primary" data-testid="auth-submit" disabled={busy}>
            {mode === 'signup' ? 'Sign up' : 'Log in'}
          </button>
        </form>
      </div>
    </div>
  );
}
