import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CustomerDetail,
  CustomerHistory,
  HistoryItem,
  HumanReplyAccepted,
  HumanReplyRequest,
  TakeoverView,
} from '../../../src/gateway/api-types';
import { api } from '../api';
import { usePageTitle } from '../page-title';
import { Badge, ErrorText, formatDate, formatDuration, Loading } from '../ui';
import { TakeoverBadge } from './TakeoverBadge';

const AUTHOR_TONE = { customer: 'neutral', agent: 'info', human: 'warn' } as const;

function HistoryEntry({ item }: { item: HistoryItem }) {
  if (item.kind === 'call')
    return (
      <li>
        <span className="turn-meta">
          <Badge>voice</Badge>
          <time dateTime={item.at}>{formatDate(item.at)}</time>
        </span>
        <Link to={`/calls/${item.callSid}`}>
          Call {item.direction ? `(${item.direction})` : ''} · {formatDuration(item.durationSeconds)} · {item.turnCount}{' '}
          turns
        </Link>{' '}
        {item.outcome && <Badge>{item.outcome.replace('_', ' ')}</Badge>}
      </li>
    );
  const author = item.author === 'human' ? `person${item.operatorName ? `: ${item.operatorName}` : ''}` : item.author;
  return (
    <li className={item.author === 'human' ? 'turn-human' : item.author === 'agent' ? 'turn-agent' : undefined}>
      <span className="turn-meta">
        <Badge tone={AUTHOR_TONE[item.author]}>{author}</Badge>
        <Badge>{item.channel}</Badge>
        <span>{item.direction === 'inbound' ? 'from the customer' : 'to the customer'}</span>
        <time dateTime={item.at}>{formatDate(item.at)}</time>
        {item.status && <span>{item.status}</span>}
      </span>
      <span>{item.body || <span className="muted">(no text)</span>}</span>
      {item.media && item.media.length > 0 && (
        <span className="turn-meta">
          {item.media.map((m, i) => (
            <span key={i}>
              {m.contentType}
              {m.description ? `: ${m.description}` : ''}
            </span>
          ))}
        </span>
      )}
    </li>
  );
}

/** The takeover controls: pause, reply as the business, hand back; keyboard-only friendly, focus follows the flow. */
function Takeover({ customerId, takeover }: { customerId: string; takeover: TakeoverView }) {
  const client = useQueryClient();
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const pauseRef = useRef<HTMLButtonElement>(null);
  const [announce, setAnnounce] = useState('');
  /** After a change the workflow updates the state a moment later: poll until it says so. */
  const [expected, setExpected] = useState<'paused' | 'active'>();
  const [focusNext, setFocusNext] = useState<'reply' | 'pause'>();
  const paused = takeover.state !== 'agent';

  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['customer', customerId] }),
      client.invalidateQueries({ queryKey: ['history', customerId] }),
    ]);

  useEffect(() => {
    if (expected === (paused ? 'paused' : 'active')) setExpected(undefined);
    if (!expected) return;
    const timer = window.setInterval(() => void refresh(), 700);
    const giveUp = window.setTimeout(() => setExpected(undefined), 15_000);
    return () => {
      window.clearInterval(timer);
      window.clearTimeout(giveUp);
    };
  }, [expected, paused]);

  // Focus moves once the controls it goes to are enabled (after the state changed).
  useEffect(() => {
    if (focusNext === 'reply' && paused) {
      replyRef.current?.focus();
      setFocusNext(undefined);
    } else if (focusNext === 'pause' && !paused) {
      pauseRef.current?.focus();
      setFocusNext(undefined);
    }
  }, [focusNext, paused]);

  const setState = (view: unknown) => {
    if (typeof view === 'object' && view !== null && 'state' in view)
      client.setQueryData<CustomerDetail>(['customer', customerId], (old) =>
        old ? { ...old, takeover: { ...old.takeover, ...(view as TakeoverView) } } : old,
      );
  };

  const pause = useMutation({
    mutationFn: () =>
      api<unknown>(`/api/customers/${encodeURIComponent(customerId)}/takeover`, { method: 'POST', body: {} }),
    onSuccess: (view) => {
      setState(view);
      setExpected('paused');
      setFocusNext('reply');
      setAnnounce('Agent paused: replies now come from you.');
      void refresh();
    },
  });
  const handBack = useMutation({
    mutationFn: () => api<unknown>(`/api/customers/${encodeURIComponent(customerId)}/takeover`, { method: 'DELETE' }),
    onSuccess: (view) => {
      setState(view);
      setExpected('active');
      setFocusNext('pause');
      setAnnounce('Handed back: the agent answers again.');
      void refresh();
    },
  });
  const reply = useMutation({
    mutationFn: (body: HumanReplyRequest) =>
      api<HumanReplyAccepted>(`/api/customers/${encodeURIComponent(customerId)}/replies`, { method: 'POST', body }),
    onSuccess: () => {
      if (replyRef.current) replyRef.current.value = '';
      replyRef.current?.focus();
      setAnnounce('Reply sent.');
      void refresh();
    },
  });

  function sendReply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = replyRef.current?.value.trim() ?? '';
    if (text) reply.mutate({ text });
  }

  const lastReply = (takeover as TakeoverView & { lastReply?: { status: string; error?: string; at: string } })
    .lastReply;
  return (
    <section className="card" aria-labelledby="takeover-title">
      <h2 id="takeover-title">Who answers</h2>
      <p>
        <strong role="status">{paused ? 'Agent paused' : 'Agent active'}</strong>{' '}
        <TakeoverBadge state={takeover.state} />
        {takeover.operatorName && <span className="muted"> · {takeover.operatorName}</span>}
        {takeover.since && <span className="muted"> · since {formatDate(takeover.since)}</span>}
      </p>
      {takeover.reason && <p className="muted">Why: {takeover.reason}</p>}
      {paused && takeover.customerAddress && (
        <p className="muted">
          Replies go to {takeover.customerAddress}
          {takeover.channel ? ` by ${takeover.channel}` : ''}
          {takeover.businessAddress ? ` from ${takeover.businessAddress}` : ''}.
        </p>
      )}
      <div className="row">
        <button ref={pauseRef} type="button" onClick={() => pause.mutate()} disabled={paused || pause.isPending}>
          Pause agent
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => handBack.mutate()}
          disabled={!paused || handBack.isPending}
        >
          Hand back to agent
        </button>
      </div>
      <ErrorText error={pause.error ?? handBack.error} />
      <form onSubmit={sendReply} className="stack" aria-label="Reply">
        <div className="field">
          <label htmlFor="reply-text">Reply as the business</label>
          <textarea id="reply-text" ref={replyRef} disabled={!paused} aria-describedby="reply-hint" maxLength={1600} />
          <p id="reply-hint" className="hint">
            {paused
              ? 'Sent to the customer on their channel, from the business number. The agent stays quiet until you hand back.'
              : 'Pause the agent to reply yourself.'}
          </p>
        </div>
        <div className="row">
          <button type="submit" disabled={!paused || reply.isPending}>
            Send reply
          </button>
        </div>
        <ErrorText error={reply.error} />
        {lastReply?.status === 'failed' && (
          <p className="error">The last reply was not delivered{lastReply.error ? `: ${lastReply.error}` : ''}.</p>
        )}
      </form>
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>
    </section>
  );
}

export function CustomerPage() {
  const { customerId = '' } = useParams();
  usePageTitle(`Customer ${customerId}`);
  const detail = useQuery({
    queryKey: ['customer', customerId],
    queryFn: () => api<CustomerDetail>(`/api/customers/${encodeURIComponent(customerId)}`),
  });
  const history = useQuery({
    queryKey: ['history', customerId],
    queryFn: () =>
      api<CustomerHistory>(`/api/customers/${encodeURIComponent(customerId)}/history`, { query: { limit: 100 } }),
    refetchInterval: 5000,
  });

  return (
    <>
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <h1>Customer {customerId}</h1>
      <ErrorText error={detail.error} />
      {detail.isPending && <Loading what="the customer" />}
      {detail.data && (
        <div className="grid">
          <Takeover customerId={customerId} takeover={detail.data.takeover} />
          <section className="card" aria-labelledby="customer-facts">
            <h2 id="customer-facts">About</h2>
            <dl className="facts">
              <dt>Addresses</dt>
              <dd>{detail.data.addresses.join(', ') || '—'}</dd>
              <dt>Account</dt>
              <dd>{detail.data.accountSid}</dd>
              <dt>Consent</dt>
              <dd>
                {detail.data.consent.length === 0
                  ? 'no opt-out recorded'
                  : detail.data.consent.map((c) => (
                      <div key={c.address}>
                        {c.address}:{' '}
                        {c.optedOut ? <Badge tone="bad">opted out</Badge> : <Badge tone="ok">may be contacted</Badge>}
                        {c.since ? ` since ${formatDate(c.since)}` : ''}
                      </div>
                    ))}
              </dd>
            </dl>
            <h3>Memory</h3>
            {detail.data.memory ? (
              <>
                <p>{detail.data.memory.summary}</p>
                <p className="muted">Updated {formatDate(detail.data.memory.updatedAt)}</p>
              </>
            ) : (
              <p className="muted">The agent remembers nothing about this customer yet.</p>
            )}
          </section>
        </div>
      )}
      <section aria-labelledby="customer-history">
        <h2 id="customer-history">History</h2>
        <ErrorText error={history.error} />
        {history.isPending ? (
          <Loading what="the history" />
        ) : (
          <ol className="history" aria-label="History">
            {(history.data?.items ?? []).length === 0 && <li>No message or call yet.</li>}
            {(history.data?.items ?? []).map((item) => (
              <HistoryEntry key={`${item.kind}-${item.id}`} item={item} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
