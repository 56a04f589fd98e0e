import { useCallback, useEffect, useState } from 'react';
import { ApiError, type ExchangeApi } from '../lib/api';
import type { MarketFeed } from '../lib/feed';

/** Who is signed in: `checking` until the api has answered whether the cookie is a session. */
export type SessionState = { status: 'checking' } | { status: 'signed-out' } | { status: 'signed-in'; accountId: string; username: string };

export interface Session {
  state: SessionState;
  /** Signs in with the session cookie the api sets; rejects with the api's error. */
  login(username: string, password: string): Promise<void>;
  /** Creates the account, then signs in. */
  signup(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

/**
 * The page's session. It lives in the api's HttpOnly `xt_session` cookie, never in script
 * storage (the realtime connection's handshake carries the cookie too), so the page asks `GET /api/v1/account` on load whether it is signed in, and any 401
 * from an account request (expired, revoked, logged out elsewhere) signs it out.
 */
export function useSession(api: ExchangeApi, feed: MarketFeed): Session {
  const [state, setState] = useState<SessionState>({ status: 'checking' });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let retried = false;
    const probe = () => {
      api.account().then(
        // Only a page nobody has signed in or out of since takes the probe's answer.
        (a) => !stopped && setState((s) => (s.status === 'checking' || (s.status === 'signed-out' && retried) ? { status: 'signed-in', accountId: a.account_id, username: a.username } : s)),
        (e: unknown) => {
          if (stopped) return;
          setState((s) => (s.status === 'checking' ? { status: 'signed-out' } : s));
          // Unreachable api: signed out for now, and asked again; any answer (401 included) is final.
          if (e instanceof ApiError && e.status === 0) {
            retried = true;
            timer = setTimeout(probe, 2000);
          }
        },
      );
    };
    probe();
    const off = api.onSessionEnd(() => {
      retried = false;
      setState({ status: 'signed-out' });
    });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      off();
    };
  }, [api]);

  const login = useCallback(
    async (username: string, password: string) => {
      const r = await api.login(username, password);
      // The realtime connection predates the cookie: it authenticates with the token, used here
      // once and kept nowhere.
      feed.authenticate(r.token);
      setState({ status: 'signed-in', accountId: r.account_id, username: r.username });
    },
    [api, feed],
  );

  const signup = useCallback(
    async (username: string, password: string) => {
      await api.signup(username, password);
      await login(username, password);
    },
    [api, login],
  );

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch (e) {
      // 401: the session had already ended. Anything else: the cookie may still be a session.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setState({ status: 'signed-out' });
  }, [api]);

  return { state, login, signup, logout };
}
