import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { CallDetail, CallTurn } from '../../../src/gateway/api-types';
import { api } from '../api';
import { LatencyChart } from '../LatencyChart';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, formatDuration, Loading } from '../ui';

function TranscriptItem({ turn }: { turn: CallTurn }) {
  const agent = turn.role === 'agent';
  return (
    <li className={`turn turn-${turn.role}`}>
      <span className="turn-meta">
        <span>{agent ? `Agent${turn.agentId ? ` (${turn.agentId})` : ''}` : 'Caller'}</span>
        <span>turn {turn.turnId}</span>
        <time dateTime={turn.at}>{formatDate(turn.at)}</time>
        {turn.source === 'dtmf' && <Badge>keypad</Badge>}
        {/* The agent's text is what the caller heard: barge-in trimmed the rest. */}
        {agent && <Badge tone="ok">heard</Badge>}
        {turn.interrupted && <Badge tone="warn">interrupted</Badge>}
      </span>
      {turn.text || <span className="muted">(nothing heard)</span>}
      {turn.citations && turn.citations.length > 0 && (
        <span className="turn-meta">Cited {turn.citations.length} knowledge passage(s)</span>
      )}
    </li>
  );
}

function temporalLink(call: CallDetail, ui: string | undefined, namespace: string): string | undefined {
  if (call.workflowUrl) return call.workflowUrl;
  if (!ui) return undefined;
  return `${ui.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(call.workflowId)}`;
}

export function CallPage() {
  const { callSid = '' } = useParams();
  usePageTitle(`Call ${callSid}`);
  const { session } = useSession();
  const call = useQuery({
    queryKey: ['call', callSid],
    queryFn: () => api<CallDetail>(`/api/calls/${encodeURIComponent(callSid)}`),
    // A live call's page follows it until it ends.
    refetchInterval: (q) => (q.state.data?.live ? 3000 : false),
  });

  return (
    <>
      <p>
        <Link to="/calls">← Calls</Link>
      </p>
      <h1>Call {callSid}</h1>
      <ErrorText error={call.error} />
      {call.isPending && <Loading what="the call" />}
      {call.data && (
        <CallBody
          call={call.data}
          temporal={temporalLink(call.data, session.temporalUiUrl, session.temporalNamespace)}
        />
      )}
    </>
  );
}

function CallBody({ call, temporal }: { call: CallDetail; temporal: string | undefined }) {
  const turns = [...call.turns].sort((a, b) => a.turnId - b.turnId || (a.role === 'caller' ? -1 : 1));
  const recordings = call.recordings.filter((r) => r.audioUrl);
  return (
    <>
      <section className="card" aria-labelledby="call-facts">
        <h2 id="call-facts">Summary</h2>
        <dl className="facts">
          <dt>Number</dt>
          <dd>
            {call.customerId ? (
              <Link to={`/customers/${call.customerId}`}>{call.remote ?? '—'}</Link>
            ) : (
              (call.remote ?? '—')
            )}
          </dd>
          <dt>Our number</dt>
          <dd>{call.local ?? '—'}</dd>
          <dt>Direction</dt>
          <dd>{call.direction ?? '—'}</dd>
          <dt>Started</dt>
          <dd>{formatDate(call.startedAt)}</dd>
          <dt>Ended</dt>
          <dd>{call.live ? <Badge tone="info">in progress</Badge> : formatDate(call.endedAt)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(call.durationSeconds)}</dd>
          <dt>Outcome</dt>
          <dd>
            {call.outcome ?? '—'}
            {call.endReason ? ` (${call.endReason})` : ''}
          </dd>
          <dt>Agent</dt>
          <dd>{call.agentId ? <Link to={`/agents/${call.agentId}`}>{call.agentId}</Link> : 'default'}</dd>
          <dt>Agent version</dt>
          <dd>
            {call.agentVersion !== undefined ? `v${call.agentVersion}` : '—'}
            {call.agents && call.agents.length > 1 && (
              <span className="muted">
                {' '}
                (handed over: {call.agents.map((a) => `${a.agentId} v${a.version}`).join(' → ')})
              </span>
            )}
          </dd>
          {call.dtmf.length > 0 && (
            <>
              <dt>Keypad</dt>
              <dd>{call.dtmf.join(' ')}</dd>
            </>
          )}
          <dt>Workflow</dt>
          <dd>
            {temporal ? (
              <a href={temporal} target="_blank" rel="noreferrer">
                Open in Temporal
              </a>
            ) : (
              <span className="muted">{call.workflowId} (no Temporal UI configured)</span>
            )}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="call-recording">
        <h2 id="call-recording">Audio</h2>
        {recordings.length === 0 ? (
          <p className="muted">
            {call.recordings.length === 0
              ? 'This call was not recorded.'
              : 'The recording is not available (deleted or not ready).'}
          </p>
        ) : (
          recordings.map((r, i) => (
            <div key={r.recordingSid}>
              <audio
                controls
                preload="none"
                aria-label={i === 0 ? 'Recording' : `Recording ${i + 1}`}
                src={r.audioUrl}
              />
              <p className="muted">
                {r.recordingSid} · {formatDuration(r.durationSeconds)}
              </p>
            </div>
          ))
        )}
      </section>

      <section aria-labelledby="call-latency">
        <h2 id="call-latency">Latency</h2>
        <LatencyChart turns={turns} />
      </section>

      <section aria-labelledby="call-transcript">
        <h2 id="call-transcript">Transcript</h2>
        {turns.length === 0 ? (
          <p className="muted">Nothing was said.</p>
        ) : (
          <ol className="transcript" aria-label="Transcript">
            {turns.map((t) => (
              <TranscriptItem key={`${t.turnId}-${t.role}`} turn={t} />
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="call-tools">
        <h2 id="call-tools">Tool calls</h2>
        {call.toolCalls.length === 0 ? (
          <p className="muted">The agent called no tool.</p>
        ) : (
          <ol className="history">
            {call.toolCalls.map((t) => (
              <li key={t.toolCallId}>
                <strong>{t.name}</strong> <Badge tone={t.ok ? 'ok' : 'bad'}>{t.ok ? 'ok' : 'failed'}</Badge>{' '}
                <span className="muted">
                  turn {t.turnId} · {formatDate(t.at)}
                </span>
                <div>Input</div>
                <pre>{JSON.stringify(t.input, null, 2)}</pre>
                <div>Result</div>
                <pre>{t.result}</pre>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
