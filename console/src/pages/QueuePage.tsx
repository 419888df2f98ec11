import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { TakeoverView } from '../../../src/gateway/api-types';
import { api } from '../api';
import { itemsOf } from '../lists';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, Loading } from '../ui';

export function QueuePage() {
  usePageTitle('Queue');
  const { accountSid } = useSession();
  const queue = useQuery({
    queryKey: ['takeovers', 'waiting', accountSid],
    queryFn: () => api<unknown>('/api/takeovers', { query: { state: 'waiting', accountSid } }),
    refetchInterval: 5000,
  });
  const waiting = itemsOf<TakeoverView>(queue.data, 'takeovers');
  return (
    <>
      <h1>Queue</h1>
      <p className="muted">
        Conversations waiting for a person: an agent escalated them or an operator paused the agent.
      </p>
      <ErrorText error={queue.error} />
      {queue.isPending ? (
        <Loading what="the queue" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Waiting for a person">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Why</th>
                <th scope="col">Channel</th>
                <th scope="col">Waiting since</th>
                <th scope="col" className="num">
                  Unanswered
                </th>
              </tr>
            </thead>
            <tbody>
              {waiting.length === 0 && (
                <tr>
                  <td colSpan={5}>No conversation is waiting.</td>
                </tr>
              )}
              {waiting.map((w) => (
                <tr key={w.customerId}>
                  <td>
                    <Link to={`/customers/${w.customerId}`}>{w.customerAddress ?? w.customerId}</Link>
                  </td>
                  <td>
                    <Badge tone="warn">{w.origin === 'escalation' ? 'escalated' : 'paused'}</Badge> {w.reason ?? ''}
                  </td>
                  <td>{w.channel ?? '—'}</td>
                  <td>{formatDate(w.since)}</td>
                  <td className="num">{w.unanswered ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
