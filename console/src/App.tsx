import { useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { setUnauthorizedHandler } from './api';
import { SessionProvider, useForgetSession, useSessionQuery } from './session';
import { Shell } from './Shell';
import { SignInPage } from './pages/SignInPage';
import { LivePage } from './pages/LivePage';
import { CallsPage } from './pages/CallsPage';
import { CallPage } from './pages/CallPage';
import { CustomersPage } from './pages/CustomersPage';
import { CustomerPage } from './pages/CustomerPage';
import { QueuePage } from './pages/QueuePage';
import { AgentsPage } from './pages/AgentsPage';
import { AgentPage } from './pages/AgentPage';
import { KnowledgePage } from './pages/KnowledgePage';
import { HealthPage } from './pages/HealthPage';
import { OperatorsPage } from './pages/OperatorsPage';
import { AuditPage } from './pages/AuditPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ErrorText } from './ui';

/** Sends the operator to sign in whenever the API answers 401, coming back here afterwards. */
function useUnauthorizedRedirect(): void {
  const navigate = useNavigate();
  const location = useLocation();
  const forget = useForgetSession();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      forget();
      if (location.pathname !== '/sign-in')
        void navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    });
  }, [navigate, location, forget]);
}

export function App() {
  useUnauthorizedRedirect();
  const location = useLocation();
  const session = useSessionQuery();

  if (session.isPending)
    return (
      <main className="centered" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  if (session.isError)
    return (
      <main className="centered">
        <h1>Beluga console</h1>
        <ErrorText error={session.error} />
      </main>
    );
  if (!session.data) {
    if (location.pathname === '/sign-in') return <SignInPage />;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return (
    <SessionProvider session={session.data}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route element={<Shell />}>
          <Route index element={<Navigate to="/live" replace />} />
          <Route path="live" element={<LivePage />} />
          <Route path="calls" element={<CallsPage />} />
          <Route path="calls/:callSid" element={<CallPage />} />
          <Route path="customers" element={<CustomersPage />} />
          <Route path="customers/:customerId" element={<CustomerPage />} />
          <Route path="queue" element={<QueuePage />} />
          <Route path="agents" element={<AgentsPage />} />
          <Route path="agents/:agentId" element={<AgentPage />} />
          <Route path="knowledge" element={<KnowledgePage />} />
          <Route path="health" element={<HealthPage />} />
          <Route path="operators" element={<OperatorsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </SessionProvider>
  );
}
