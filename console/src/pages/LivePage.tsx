import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { LiveCall, LiveEvent, TakeoverView } from '../../../src/gateway/api-types';
import { applyLiveEvent, EMPTY_LIVE, LIVE_EVENT_TYPES, type LiveState } from '../live-feed';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, formatDate, formatDuration } from '../ui';
import { BrowserCallPanel } from './BrowserCallPanel';

type Connection = 'connecting' | 'open' | 'reconnecting';

/** Follows `GET /api/live` (server-sent events; EventSource reconnects by itself and gets a fresh snapshot). */
function useLiveFeed(): { state: LiveState; connection: Connection } {
  const [state, setState] = useState<LiveState>(EMPTY_LIVE);
  const [connection, setConnection] = useState<Connection>('connecting');
  useEffect(() => {
    const source = new EventSource('/api/live', { withCredentials: true });
    const onEvent = (message: MessageEvent<string>) => {
      try {
        const event = JSON.parse(message.data) as LiveEvent;
        setState((s) => applyLiveEvent(s, event));
      } catch {
        // An unreadable event is skipped; the next snapshot (on reconnect) corrects the view.
      }
    };
    for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, onEvent);
    source.onopen = () => setConnection('open');
    source.onerror = () => setConnection('reconnecting');
    return () => source.close();
  }, []);
  return { state, connection };
}

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function LiveCallCard({ call, now }: { call: LiveCall; now: number }) {
  const seconds = (now - new Date(call.startedAt).getTime()) / 1000;
  const turns = [...call.turns].sort((a, b) => a.turnId - b.turnId || (a.role === 'caller' ? -1 : 1));
  return (
    <article className="card live-call" aria-label={`Call with ${call.remote}`}>
      <header>
        <h2>{call.remote}</h2>
        <span>
          {call.browser && <Badge tone="info">browser</Badge>}{' '}
          <span aria-label="Duration">{formatDuration(seconds)}</span>
        </span>
      </header>
      <p className="muted">
        {call.direction} to {call.local} · agent {call.agentId ?? 'default'}
        {call.agentVersion !== undefined ? ` v${call.agentVersion}` : ''} ·{' '}
        <Link to={`/calls/${call.callSid}`}>details</Link>
      </p>
      <ul className="transcript" aria-label="Transcript">
        {turns.map((t) => (
          <li key={`${t.turnId}-${t.role}`} className={`turn turn-${t.role}`}>
            <span className="turn-meta">
              {t.role === 'caller' ? 'Caller' : 'Agent'}
              {t.interrupted && <Badge tone="warn">interrupted</Badge>}
            </span>
            {t.text}
          </li>
        ))}
      </ul>
      <p className="current" aria-live="polite">
        {call.current ? `${call.current.role === 'caller' ? 'Caller' : 'Agent'}: ${call.current.text}` : ''}
      </p>
    </article>
  );
}

function WaitingList({ waiting, now }: { waiting: TakeoverView[]; now: number }) {
  if (waiting.length === 0) return <p className="muted">No conversation is waiting for a person.</p>;
  return (
    <ul className="history" aria-label="Waiting conversations">
      {waiting.map((w) => (
        <li key={w.customerId}>
          <Link to={`/customers/${w.customerId}`}>{w.customerAddress ?? w.customerId}</Link>{' '}
          <Badge tone="warn">{w.origin === 'escalation' ? 'escalated' : 'paused'}</Badge>{' '}
          {w.channel && <Badge>{w.channel}</Badge>}
          <div className="muted">
            {w.reason ?? 'no reason given'} · waiting{' '}
            {w.since ? formatDuration((now - new Date(w.since).getTime()) / 1000) : ''}
            {w.unanswered ? ` · ${w.unanswered} unanswered` : ''}
            {w.lastMessageAt ? ` · last message ${formatDate(w.lastMessageAt)}` : ''}
          </div>
        </li>
      ))}
    </ul>
  );
}

export function LivePage() {
  usePageTitle('Live calls');
  const { accountSid, session } = useSession();
  const { state, connection } = useLiveFeed();
  const now = useNow();
  // The feed is scoped to every account the operator sees; the page shows the one picked.
  const several = session.accounts.length > 1;
  const calls = several ? state.calls.filter((c) => c.accountSid === accountSid) : state.calls;
  const waiting = several ? state.waiting.filter((w) => w.accountSid === accountSid) : state.waiting;
  return (
    <>
      <div className="page-head">
        <h1>Live calls</h1>
        <p className="muted" role="status">
          {connection === 'open' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </p>
      </div>
      {state.feed === 'off' && (
        <p className="notice">The gateway cannot read the realtime workers' calls (no internal token set).</p>
      )}
      {state.feed === 'partial' && (
        <p className="notice">Some realtime workers did not answer: calls may be missing.</p>
      )}
      {calls.length === 0 ? (
        <p className="muted">No call in progress.</p>
      ) : (
        <div className="live-calls">
          {calls.map((c) => (
            <LiveCallCard key={c.callSid} call={c} now={now} />
          ))}
        </div>
      )}
      <h2>Waiting for a person</h2>
      <WaitingList waiting={waiting} now={now} />
      <BrowserCallPanel />
    </>
  );
}
