import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { CustomerSummary } from '../../../src/gateway/api-types';
import { api } from '../api';
import { itemsOf, nextCursorOf } from '../lists';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { ErrorText, formatDate, Loading } from '../ui';
import { TakeoverBadge } from './TakeoverBadge';
import { Pager } from '../Pager';

export function CustomersPage() {
  usePageTitle('Customers');
  const { accountSid } = useSession();
  const [q, setQ] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const customers = useQuery({
    queryKey: ['customers', accountSid, q, cursor],
    queryFn: () => api<unknown>('/api/customers', { query: { accountSid, q, cursor, limit: 25 } }),
    placeholderData: keepPreviousData,
  });
  const rows = itemsOf<CustomerSummary>(customers.data, 'customers');
  const next = nextCursorOf(customers.data);

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('q');
    setCursors([]);
    setQ(typeof value === 'string' ? value.trim() : '');
  }

  return (
    <>
      <h1>Customers</h1>
      <form className="card row" onSubmit={search} role="search" aria-label="Customers">
        <div className="field">
          <label htmlFor="customer-q">Find a customer</label>
          <input id="customer-q" name="q" type="search" placeholder="Number or id" defaultValue={q} />
        </div>
        <button type="submit">Find</button>
      </form>
      <ErrorText error={customers.error} />
      {customers.isPending ? (
        <Loading what="customers" />
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label="Customers">
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Addresses</th>
                  <th scope="col">Last activity</th>
                  <th scope="col">Answered by</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={4}>No customer found.</td>
                  </tr>
                )}
                {rows.map((c) => (
                  <tr key={c.customerId}>
                    <td>
                      <Link to={`/customers/${c.customerId}`}>{c.customerId}</Link>
                    </td>
                    <td>{c.addresses.join(', ') || '—'}</td>
                    <td>
                      {formatDate(c.lastActivityAt)}
                      {c.lastChannel ? ` (${c.lastChannel})` : ''}
                    </td>
                    <td>
                      <TakeoverBadge state={c.takeover ?? 'agent'} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager cursors={cursors} next={next} onChange={setCursors} />
        </>
      )}
    </>
  );
}
