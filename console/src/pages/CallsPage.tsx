import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { CallList, CallOutcomeView, CallSummary } from '../../../src/gateway/api-types';
import { api } from '../api';
import { useAgentList } from '../agents-query';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, formatDuration, Loading } from '../ui';
import { Pager } from '../Pager';

const OUTCOMES: CallOutcomeView[] = [
  'completed',
  'transferred',
  'agent_ended',
  'dropped',
  'no_answer',
  'busy',
  'failed',
  'canceled',
];

/** A date input's day as the API's instant: the start of that day, or its end for "to" (local time). */
function dayBound(day: string | null, end: boolean): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (end) date.setDate(date.getDate() + 1);
  return new Date(date.getTime() - (end ? 1 : 0)).toISOString();
}

function outcomeTone(outcome: CallOutcomeView | undefined): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (outcome === 'completed' || outcome === 'agent_ended' || outcome === 'transferred') return 'ok';
  if (outcome === 'failed' || outcome === 'dropped') return 'bad';
  return outcome ? 'warn' : 'neutral';
}

export function CallsPage() {
  usePageTitle('Calls');
  const { accountSid } = useSession();
  const agents = useAgentList();
  const [params, setParams] = useSearchParams();
  // Older pages are reached by cursor; the stack lets "Newer" go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const filters = {
    agentId: params.get('agentId') ?? '',
    number: params.get('number') ?? '',
    outcome: params.get('outcome') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const calls = useQuery({
    queryKey: ['calls', accountSid, filters, cursor],
    queryFn: () =>
      api<CallList>('/api/calls', {
        query: {
          accountSid,
          agentId: filters.agentId,
          number: filters.number,
          outcome: filters.outcome,
          from: dayBound(filters.from, false),
          to: dayBound(filters.to, true),
          cursor,
          limit: 25,
        },
      }),
    placeholderData: keepPreviousData,
  });

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['agentId', 'number', 'outcome', 'from', 'to']) {
      const value = form.get(key);
      if (typeof value === 'string' && value.trim()) next.set(key, value.trim());
    }
    setCursors([]);
    setParams(next);
  }

  return (
    <>
      <h1>Calls</h1>
      <form className="card row" onSubmit={applyFilters} aria-label="Filter calls" key={params.toString()}>
        <div className="field">
          <label htmlFor="f-agent">Agent</label>
          <select id="f-agent" name="agentId" defaultValue={filters.agentId}>
            <option value="">Any agent</option>
            {(agents.data ?? []).map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name} ({a.agentId})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-number">Number</label>
          <input id="f-number" name="number" type="text" inputMode="tel" defaultValue={filters.number} />
        </div>
        <div className="field">
          <label htmlFor="f-outcome">Outcome</label>
          <select id="f-outcome" name="outcome" defaultValue={filters.outcome}>
            <option value="">Any outcome</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From date</label>
          <input id="f-from" name="from" type="date" defaultValue={filters.from} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To date</label>
          <input id="f-to" name="to" type="date" defaultValue={filters.to} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ErrorText error={calls.error} />
      {calls.isPending ? (
        <Loading what="calls" />
      ) : (
        calls.data && (
          <>
            <div className="table-wrap">
              <table aria-label="Calls">
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Started</th>
                    <th scope="col">Direction</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Outcome</th>
                    <th scope="col" className="num">
                      Duration
                    </th>
                    <th scope="col" className="num">
                      Turns
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {calls.data.calls.length === 0 && (
                    <tr>
                      <td colSpan={7}>No call matches.</td>
                    </tr>
                  )}
                  {calls.data.calls.map((c: CallSummary) => (
                    <tr key={c.callSid}>
                      <td>
                        <Link to={`/calls/${c.callSid}`}>{c.remote ?? c.callSid}</Link>
                      </td>
                      <td>{formatDate(c.startedAt)}</td>
                      <td>{c.direction ?? '—'}</td>
                      <td>
                        {c.agentId ?? '—'}
                        {c.agentVersion !== undefined ? ` v${c.agentVersion}` : ''}
                      </td>
                      <td>
                        {c.live ? (
                          <Badge tone="info">live</Badge>
                        ) : (
                          <Badge tone={outcomeTone(c.outcome)}>{c.outcome?.replace('_', ' ') ?? 'unknown'}</Badge>
                        )}
                      </td>
                      <td className="num">{formatDuration(c.durationSeconds)}</td>
                      <td className="num">{c.turnCount}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager cursors={cursors} next={calls.data.nextCursor} onChange={setCursors} />
          </>
        )
      )}
    </>
  );
}
