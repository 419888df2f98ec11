import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { api } from './api';
import { useForgetSession, useSession } from './session';

const LINKS: Array<{ to: string; label: string; admin?: boolean }> = [
  { to: '/live', label: 'Live' },
  { to: '/calls', label: 'Calls' },
  { to: '/customers', label: 'Customers' },
  { to: '/queue', label: 'Queue' },
  { to: '/agents', label: 'Agents' },
  { to: '/knowledge', label: 'Knowledge' },
  { to: '/health', label: 'Health' },
  { to: '/operators', label: 'Operators', admin: true },
  { to: '/audit', label: 'Audit', admin: true },
];

/** The signed-in frame: header with who is signed in, the "Main" navigation, and the page. */
export function Shell() {
  const { session, isAdmin, accountSid, setAccountSid } = useSession();
  const forget = useForgetSession();
  const navigate = useNavigate();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const signOut = useMutation({
    mutationFn: () => api<void>('/api/session', { method: 'DELETE', noRedirectOn401: true }),
    onSettled: () => {
      forget();
      void navigate('/sign-in', { replace: true });
    },
  });

  // A new page: move focus to its main region so screen readers and keyboards start at the content.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Beluga console</span>
        {session.accounts.length > 1 && (
          <label className="account-picker">
            Account
            <select value={accountSid ?? ''} onChange={(e) => setAccountSid(e.target.value)}>
              {session.accounts.map((a) => (
                <option key={a.accountSid} value={a.accountSid}>
                  {a.name ?? a.accountSid}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="who">
          {session.operator.name} <span className="badge">{session.operator.role}</span>
        </span>
        <button type="button" className="secondary" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          Sign out
        </button>
      </header>
      <nav aria-label="Main" className="sidenav">
        <ul>
          {LINKS.filter((l) => !l.admin || isAdmin).map((l) => (
            <li key={l.to}>
              <NavLink to={l.to}>{l.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        <Outlet />
      </main>
    </div>
  );
}
