import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AuditEntry, AuditList } from '../../../src/gateway/api-types';
import { api } from '../api';
import { itemsOf, nextCursorOf } from '../lists';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, Loading } from '../ui';
import { Pager } from '../Pager';

export function AuditPage() {
  usePageTitle('Audit');
  const { isAdmin } = useSession();
  const [filters, setFilters] = useState({ operatorId: '', action: '' });
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const audit = useQuery({
    queryKey: ['audit', filters, cursor],
    queryFn: () => api<AuditList>('/api/audit', { query: { ...filters, cursor, limit: 50 } }),
    placeholderData: keepPreviousData,
    enabled: isAdmin,
  });
  const entries = itemsOf<AuditEntry>(audit.data, 'entries');
  const next = nextCursorOf(audit.data);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (key: string) => {
      const v = data.get(key);
      return typeof v === 'string' ? v.trim() : '';
    };
    setCursors([]);
    setFilters({ operatorId: text('operatorId'), action: text('action') });
  }

  if (!isAdmin)
    return (
      <>
        <h1>Audit</h1>
        <p>Only admins read the audit log.</p>
      </>
    );
  return (
    <>
      <h1>Audit</h1>
      <form className="card row" onSubmit={submit} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="audit-operator">Operator id</label>
          <input id="audit-operator" name="operatorId" type="text" defaultValue={filters.operatorId} />
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input id="audit-action" name="action" type="text" defaultValue={filters.action} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ErrorText error={audit.error} />
      {audit.isPending ? (
        <Loading what="the audit log" />
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label="Audit log">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Account</th>
                  <th scope="col" className="num">
                    Status
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.length === 0 && (
                  <tr>
                    <td colSpan={6}>Nothing recorded.</td>
                  </tr>
                )}
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td>{formatDate(e.at)}</td>
                    <td>
                      {e.operatorName} <span className="muted">({e.operatorId})</span>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.target ?? '—'}</td>
                    <td>{e.accountSid ?? '—'}</td>
                    <td className="num">
                      <Badge tone={e.status < 400 ? 'ok' : e.status < 500 ? 'warn' : 'bad'}>{e.status}</Badge>
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
