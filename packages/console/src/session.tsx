// The signed-in session: a bearer token and who it belongs to, kept in sessionStorage (gone when
// the tab closes, never shared with other tabs), and the API client that sends it. A 401 from any
// call ends the session and the login page shows again.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { createApiClient } from './api/client.ts';
import type { Role, SessionUser } from './api/types.ts';
import { ApiContext } from './api/use-api.ts';

/** A signed-in session. */
export interface Session {
  /** The bearer token. */
  token: string;
  /** Who it belongs to. */
  user: SessionUser;
  /** How the user signed in. */
  via: 'password' | 'token';
}

/** Where the session is kept in sessionStorage. */
export const sessionStorageKey = 'fieldproof.session';

interface SessionState {
  session: Session | undefined;
  /** Why the last session ended, if a 401 ended it. */
  expired: boolean;
  signIn(session: Session): void;
  signOut(): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

function readStoredSession(): Session | undefined {
  try {
    const text = globalThis.sessionStorage?.getItem(sessionStorageKey);
    if (!text) return undefined;
    const parsed = JSON.parse(text) as Session;
    return typeof parsed.token === 'string' && parsed.user ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Provides the session and an API client that carries its token. */
export function SessionProvider(props: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | undefined>(readStoredSession);
  const [expired, setExpired] = useState(false);
  const current = useRef(session);
  current.current = session;
  const end = useCallback(
    (becauseExpired: boolean) => {
      globalThis.sessionStorage?.removeItem(sessionStorageKey);
      current.current = undefined;
      setSession(undefined);
      setExpired(becauseExpired);
      queryClient.clear();
    },
    [queryClient],
  );
  const api = useMemo(
    () =>
      createApiClient(globalThis.location.origin, {
        token: () => current.current?.token,
        onUnauthorized: () => {
          if (current.current) end(true);
        },
      }),
    [end],
  );
  const value = useMemo<SessionState>(
    () => ({
      session,
      expired,
      signIn(next) {
        globalThis.sessionStorage?.setItem(sessionStorageKey, JSON.stringify(next));
        current.current = next;
        setExpired(false);
        setSession(next);
      },
      signOut: () => end(false),
    }),
    [session, expired, end],
  );
  return (
    <SessionContext.Provider value={value}>
      <ApiContext.Provider value={api}>{props.children}</ApiContext.Provider>
    </SessionContext.Provider>
  );
}

/** The session. Precondition: called under SessionProvider. */
export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession needs a SessionProvider above it');
  return value;
}

/** Whether a role may only read (an auditor): action buttons are hidden for it. */
export function isReadOnly(role: Role): boolean {
  return role === 'bank_auditor' || role === 'witness_operator';
}
