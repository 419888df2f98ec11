import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { OperatorRole, OperatorView } from '../../../src/gateway/api-types';
import { api, ApiError } from '../api';
import { itemsOf } from '../lists';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, Loading } from '../ui';

/** What the operator routes add to OperatorView (see the auth routes). */
type OperatorRow = OperatorView & { disabled?: boolean; createdAt?: string };

interface NewOperator {
  email: string;
  name: string;
  role: OperatorRole;
  accounts: string[];
  password?: string;
}

function FieldError({ error, path, id }: { error: unknown; path: string; id: string }) {
  const messages = error instanceof ApiError ? error.issuesOf(path) : [];
  if (messages.length === 0) return null;
  return (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  );
}

function CreateOperator() {
  const { session } = useSession();
  const client = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const create = useMutation({
    mutationFn: (body: NewOperator) => api<OperatorRow>('/api/operators', { method: 'POST', body }),
    onSuccess: () => {
      formRef.current?.reset();
      void client.invalidateQueries({ queryKey: ['operators'] });
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (key: string) => {
      const v = data.get(key);
      return typeof v === 'string' ? v.trim() : '';
    };
    const password = text('password');
    create.mutate({
      email: text('email'),
      name: text('name'),
      role: text('role') === 'admin' ? 'admin' : 'agent',
      accounts: data.getAll('accounts').filter((a): a is string => typeof a === 'string'),
      ...(password ? { password } : {}),
    });
  }
  const invalid = (path: string) =>
    create.error instanceof ApiError && create.error.issuesOf(path).length > 0 ? true : undefined;
  return (
    <form ref={formRef} onSubmit={submit} className="card stack" aria-labelledby="new-operator" noValidate>
      <h2 id="new-operator">New operator</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="op-name">Name</label>
          <input
            id="op-name"
            name="name"
            type="text"
            aria-invalid={invalid('name')}
            aria-describedby={invalid('name') && 'op-name-error'}
          />
          <FieldError error={create.error} path="name" id="op-name-error" />
        </div>
        <div className="field">
          <label htmlFor="op-email">Email</label>
          <input
            id="op-email"
            name="email"
            type="email"
            autoComplete="off"
            aria-invalid={invalid('email')}
            aria-describedby={invalid('email') && 'op-email-error'}
          />
          <FieldError error={create.error} path="email" id="op-email-error" />
        </div>
        <div className="field">
          <label htmlFor="op-role">Role</label>
          <select id="op-role" name="role" defaultValue="agent">
            <option value="agent">agent (works conversations)</option>
            <option value="admin">admin (also changes agents, knowledge, operators)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="op-password">Password</label>
          <input
            id="op-password"
            name="password"
            type="password"
            autoComplete="new-password"
            aria-invalid={invalid('password')}
            aria-describedby={`op-password-hint${invalid('password') ? ' op-password-error' : ''}`}
          />
          <p id="op-password-hint" className="hint">
            At least 12 characters; empty for an operator who uses API keys only.
          </p>
          <FieldError error={create.error} path="password" id="op-password-error" />
        </div>
      </div>
      <fieldset aria-describedby={invalid('accounts') && 'op-accounts-error'}>
        <legend>Accounts</legend>
        <div className="checks">
          {session.accounts.map((a) => (
            <label key={a.accountSid}>
              <input
                type="checkbox"
                name="accounts"
                value={a.accountSid}
                defaultChecked={session.accounts.length === 1}
              />
              {a.name ?? a.accountSid}
            </label>
          ))}
        </div>
        <FieldError error={create.error} path="accounts" id="op-accounts-error" />
      </fieldset>
      <div>
        <button type="submit" disabled={create.isPending}>
          Create operator
        </button>
      </div>
      {create.error instanceof ApiError && create.error.issues.length === 0 && <ErrorText error={create.error} />}
      {create.isSuccess && <p role="status">Operator created.</p>}
    </form>
  );
}

function OperatorActions({ operator }: { operator: OperatorRow }) {
  const client = useQueryClient();
  const [key, setKey] = useState<string>();
  const toggle = useMutation({
    mutationFn: () =>
      api<OperatorRow>(`/api/operators/${operator.operatorId}`, {
        method: 'PATCH',
        body: { disabled: !operator.disabled },
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['operators'] }),
  });
  const newKey = useMutation({
    mutationFn: () =>
      api<{ apiKey: string }>(`/api/operators/${operator.operatorId}/api-keys`, {
        method: 'POST',
        body: { name: 'console' },
      }),
    onSuccess: (created) => setKey(created.apiKey),
  });
  return (
    <>
      <div className="row">
        <button type="button" className="secondary" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
          {operator.disabled ? `Enable ${operator.name}` : `Disable ${operator.name}`}
        </button>
        <button type="button" className="secondary" onClick={() => newKey.mutate()} disabled={newKey.isPending}>
          New API key for {operator.name}
        </button>
      </div>
      {key && (
        <p role="status" className="notice">
          API key (shown once, copy it now): <code>{key}</code>
        </p>
      )}
      <ErrorText error={toggle.error ?? newKey.error} />
    </>
  );
}

export function OperatorsPage() {
  usePageTitle('Operators');
  const { isAdmin, session } = useSession();
  const operators = useQuery({
    queryKey: ['operators'],
    queryFn: () => api<unknown>('/api/operators'),
    enabled: isAdmin,
  });
  if (!isAdmin)
    return (
      <>
        <h1>Operators</h1>
        <p>Only admins manage operators.</p>
      </>
    );
  const rows = itemsOf<OperatorRow>(operators.data, 'operators');
  const accountName = (sid: string) => session.accounts.find((a) => a.accountSid === sid)?.name ?? sid;
  return (
    <>
      <h1>Operators</h1>
      <ErrorText error={operators.error} />
      {operators.isPending ? (
        <Loading what="operators" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Operators">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Accounts</th>
                <th scope="col">Since</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.operatorId}>
                  <td>
                    {o.name} {o.disabled && <Badge tone="bad">disabled</Badge>}
                  </td>
                  <td>{o.email ?? '—'}</td>
                  <td>
                    <Badge tone={o.role === 'admin' ? 'info' : 'neutral'}>{o.role}</Badge>
                  </td>
                  <td>{o.accounts === 'all' ? 'all' : o.accounts.map(accountName).join(', ')}</td>
                  <td>{formatDate(o.createdAt)}</td>
                  <td>
                    <OperatorActions operator={o} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateOperator />
    </>
  );
}
