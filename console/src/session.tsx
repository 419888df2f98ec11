/** Who is signed in (GET /api/session), and the account the pages look at. */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionView } from '../../src/gateway/api-types';
import { api, ApiError, setCsrfToken } from './api';

export const SESSION_KEY = ['session'] as const;

/** The session, `null` when signed out (401), undefined while loading. */
export function useSessionQuery() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<SessionView | null> => {
      try {
        const session = await api<SessionView>('/api/session', { noRedirectOn401: true });
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(undefined);
          return null;
        }
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

interface SessionContextValue {
  session: SessionView;
  isAdmin: boolean;
  /** The account pages ask about (the API needs one when the operator sees several). */
  accountSid: string | undefined;
  setAccountSid: (accountSid: string) => void;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function SessionProvider({ session, children }: { session: SessionView; children: ReactNode }) {
  const [accountSid, setAccountSid] = useState<string | undefined>(session.accounts[0]?.accountSid);
  useEffect(() => {
    if (!session.accounts.some((a) => a.accountSid === accountSid)) setAccountSid(session.accounts[0]?.accountSid);
  }, [session, accountSid]);
  return (
    <SessionContext.Provider value={{ session, isAdmin: session.operator.role === 'admin', accountSid, setAccountSid }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

/** Forgets the session locally (after sign-out or a 401). */
export function useForgetSession(): () => void {
  const client = useQueryClient();
  return () => {
    setCsrfToken(undefined);
    client.setQueryData(SESSION_KEY, null);
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
  };
}
