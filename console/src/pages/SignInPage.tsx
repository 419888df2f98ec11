import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { SessionView, SignInRequest } from '../../../src/gateway/api-types';
import { api, setCsrfToken } from '../api';
import { SESSION_KEY } from '../session';
import { ErrorText } from '../ui';

/** Only paths inside the console: `next` must not send the operator to another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && next !== '/sign-in' ? next : '/live';
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [withKey, setWithKey] = useState(false);
  const errorRef = useRef<HTMLDivElement>(null);
  const signIn = useMutation({
    mutationFn: (body: SignInRequest) =>
      api<SessionView>('/api/session', { method: 'POST', body, noRedirectOn401: true }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      client.setQueryData(SESSION_KEY, session);
      void navigate(safeNext(params.get('next')), { replace: true });
    },
  });

  useEffect(() => {
    document.title = 'Sign in · Beluga console';
  }, []);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : '';
    };
    signIn.mutate(withKey ? { apiKey: field('apiKey') } : { email: field('email'), password: field('password') });
  }

  return (
    <main className="centered">
      <form className="card signin" onSubmit={submit} aria-labelledby="signin-title" noValidate={false}>
        <h1 id="signin-title">Beluga console</h1>
        <p className="muted">Sign in to watch calls, work conversations and manage agents.</p>
        {withKey ? (
          <div className="field">
            <label htmlFor="signin-key">API key</label>
            <input id="signin-key" name="apiKey" type="password" autoComplete="off" required />
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor="signin-email">Email</label>
              <input id="signin-email" name="email" type="email" autoComplete="username" required />
            </div>
            <div className="field">
              <label htmlFor="signin-password">Password</label>
              <input id="signin-password" name="password" type="password" autoComplete="current-password" required />
            </div>
          </>
        )}
        <div ref={errorRef}>
          <ErrorText
            error={
              signIn.error
                ? (signIn.error as { status?: number }).status === 401
                  ? new Error('Wrong email, password or API key.')
                  : signIn.error
                : null
            }
          />
        </div>
        <button type="submit" disabled={signIn.isPending}>
          Sign in
        </button>
        <button type="button" className="link" onClick={() => setWithKey(!withKey)}>
          {withKey ? 'Use email and password instead' : 'Use an API key instead'}
        </button>
      </form>
    </main>
  );
}
