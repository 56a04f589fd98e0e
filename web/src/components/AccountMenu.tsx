import { useState } from 'react';
import type { Session } from '../hooks/useSession';
import type { AuthMode } from './AuthDialog';

interface Props {
  session: Session;
  onAuth(mode: AuthMode): void;
  onApiKeys(): void;
}

/** The header's account corner: log in / sign up, or who is signed in, API keys and log out. */
export function AccountMenu({ session, onAuth, onApiKeys }: Props) {
  const [error, setError] = useState<string>();
  const s = session.state;
  if (s.status === 'checking') return <div className="account-menu muted small" data-testid="account-menu" data-state="checking" />;
  if (s.status === 'signed-out') {
    return (
      <div className="account-menu" data-testid="account-menu" data-state="signed-out">
        <button type="button" className="ghost-button" data-testid="open-login" onClick={() => onAuth('login')}>
          Log in
        </button>
        <button type="button" className="primary-button" data-testid="open-signup" onClick={() => onAuth('signup')}>
          Sign up
        </button>
      </div>
    );
  }
  const logout = async () => {
    setError(undefined);
    try {
      await session.logout();
    } catch (e) {
      setError(`Could not log out: ${(e as Error).message}`);
    }
  };
  return (
    <div className="account-menu" data-testid="account-menu" data-state="signed-in" data-username={s.username}>
      <span className="username" data-testid="signed-in-user" title={`account ${s.accountId}`}>
        {s.username}
      </span>
      <button type="button" className="ghost-button" data-testid="open-api-keys" onClick={onApiKeys}>
        API keys
      </button>
      <button type="button" className="ghost-button" data-testid="logout" onClick={() => void logout()}>
        Log out
      </button>
      {error && (
        <span className="field-error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
