import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AgentVersionView, DryRunRequest, DryRunResult, KnowledgeBaseView } from '../../../src/gateway/api-types';
import { api, ApiError } from '../api';
import { AGENT_FIELDS, definitionFrom, formValues, type AgentFormValues, type FieldSpec } from '../agent-form';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, Loading } from '../ui';

const fieldId = (path: string) => `agent-${path.replace(/\./g, '-')}`;

function Field({
  spec,
  value,
  onChange,
  readOnly,
  errors,
}: {
  spec: FieldSpec;
  value: string;
  onChange: (value: string) => void;
  readOnly: boolean;
  errors: string[];
}) {
  const id = fieldId(spec.path);
  const described = [spec.hint ? `${id}-hint` : '', errors.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name: spec.path,
    'aria-invalid': errors.length > 0 ? true : undefined,
    'aria-describedby': described || undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{spec.label}</label>
      {spec.kind === 'textarea' ? (
        <textarea {...common} value={value} readOnly={readOnly} onChange={(e) => onChange(e.target.value)} />
      ) : spec.kind === 'select' ? (
        <select {...common} value={value} disabled={readOnly} onChange={(e) => onChange(e.target.value)}>
          {spec.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type="text"
          inputMode={spec.kind === 'number' ? 'decimal' : undefined}
          value={value}
          readOnly={readOnly}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {spec.hint && (
        <p id={`${id}-hint`} className="hint">
          {spec.hint}
        </p>
      )}
      {errors.length > 0 && (
        <p id={`${id}-error`} className="field-error">
          {errors.join('; ')}
        </p>
      )}
    </div>
  );
}

function DryRun({ agentId }: { agentId: string }) {
  const [message, setMessage] = useState('Hello, what can you do for me?');
  const [channel, setChannel] = useState<NonNullable<DryRunRequest['channel']>>('sms');
  const resultRef = useRef<HTMLDivElement>(null);
  const run = useMutation({
    mutationFn: (body: DryRunRequest) =>
      api<DryRunResult>(`/api/agents/${encodeURIComponent(agentId)}/test`, { method: 'POST', body }),
    onSuccess: () => resultRef.current?.focus(),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    run.mutate({ message, channel });
  }
  return (
    <section className="card" aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run</h2>
      <p className="muted">One model call with this agent as saved: no tool runs, nothing is sent or stored.</p>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="dry-run-message">Message</label>
          <textarea id="dry-run-message" value={message} onChange={(e) => setMessage(e.target.value)} />
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="dry-run-channel">Channel</label>
            <select id="dry-run-channel" value={channel} onChange={(e) => setChannel(e.target.value as typeof channel)}>
              {(['sms', 'whatsapp', 'conversations', 'voice'] as const).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={run.isPending || !message.trim()}>
            Run dry run
          </button>
        </div>
      </form>
      <ErrorText error={run.error} />
      {run.isPending && <Loading what="the reply" />}
      {run.data && (
        <div ref={resultRef} tabIndex={-1} aria-labelledby="dry-run-result" className="stack">
          <h3 id="dry-run-result">Reply (version {run.data.version})</h3>
          <pre>{run.data.reply || '(no text)'}</pre>
          {run.data.toolCalls.length > 0 && (
            <>
              <h3>Tools it would call</h3>
              <ul>
                {run.data.toolCalls.map((t, i) => (
                  <li key={i}>
                    <code>{t.name}</code> <code>{JSON.stringify(t.input)}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          <details>
            <summary>System prompt</summary>
            <pre>{run.data.system}</pre>
          </details>
        </div>
      )}
    </section>
  );
}

function AgentForm({ agent, canEdit }: { agent: AgentVersionView; canEdit: boolean }) {
  const { accountSid } = useSession();
  const client = useQueryClient();
  const [values, setValues] = useState<AgentFormValues>(() => formValues(agent.definition));
  const [saved, setSaved] = useState<string>();
  const summaryRef = useRef<HTMLDivElement>(null);
  useEffect(() => setValues(formValues(agent.definition)), [agent]);
  const bases = useQuery({
    queryKey: ['knowledge-bases', accountSid],
    queryFn: async () =>
      (await api<{ knowledgeBases: KnowledgeBaseView[] }>('/api/knowledge-bases', { query: { accountSid } }))
        .knowledgeBases,
  });
  const save = useMutation({
    mutationFn: (definition: Record<string, unknown>) =>
      api<AgentVersionView & { created: boolean }>(`/api/agents/${encodeURIComponent(agent.agentId)}`, {
        method: 'PUT',
        body: definition,
      }),
    onSuccess: (version) => {
      setSaved(`Saved as version ${version.version}.`);
      client.setQueryData(['agent', agent.agentId], version);
      void client.invalidateQueries({ queryKey: ['agents'] });
      summaryRef.current?.focus();
    },
    onError: (error) => {
      setSaved(undefined);
      // The first field at fault gets focus; its message is read with it (aria-describedby).
      const first = error instanceof ApiError ? error.issues[0]?.path : undefined;
      const known = first && AGENT_FIELDS.find((f) => first === f.path || first.startsWith(`${f.path}.`));
      const target = known
        ? document.getElementById(fieldId(known.path))
        : first?.startsWith('tools')
          ? document.getElementById('agent-tools')
          : summaryRef.current;
      target?.focus();
    },
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const errorsOf = (path: string) => error?.issuesOf(path) ?? [];
  const shown = new Set([...AGENT_FIELDS.map((f) => f.path), 'tools', 'knowledge']);
  const otherIssues = (error?.issues ?? []).filter(
    (i) => ![...shown].some((p) => i.path === p || i.path.startsWith(`${p}.`)),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (canEdit) save.mutate(definitionFrom(agent.definition, values));
  }
  const setField = (path: string) => (value: string) =>
    setValues((v) => ({ ...v, fields: { ...v.fields, [path]: value } }));
  /** The form's plain fields, each with its errors next to it. */
  const fieldsOf = (specs: typeof AGENT_FIELDS) =>
    specs.map((f) => (
      <Field
        key={f.path}
        spec={f}
        value={values.fields[f.path] ?? ''}
        onChange={setField(f.path)}
        readOnly={!canEdit}
        errors={errorsOf(f.path)}
      />
    ));
  const knownBases = bases.data ?? [];
  const extraBases = values.knowledge.filter((id) => !knownBases.some((b) => b.id === id));
  const toolsErrors = errorsOf('tools');
  const knowledgeErrors = errorsOf('knowledge');

  return (
    <form onSubmit={submit} className="card" aria-labelledby="agent-form-title" noValidate>
      <h2 id="agent-form-title">Definition</h2>
      {!canEdit && <p className="notice">You can read this agent; only an admin can change it.</p>}
      <div ref={summaryRef} tabIndex={-1}>
        {saved && (
          <p role="status" className="notice">
            {saved}
          </p>
        )}
        {save.error && (
          <div role="alert" className="error">
            <p>{error?.issues.length ? 'The agent was not saved: fix the fields marked below.' : save.error.message}</p>
            {otherIssues.length > 0 && (
              <ul>
                {otherIssues.map((i) => (
                  <li key={i.path + i.message}>
                    {i.path}: {i.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      <fieldset>
        <legend>Behaviour</legend>
        {fieldsOf(AGENT_FIELDS.slice(0, 7))}
      </fieldset>
      <fieldset>
        <legend>Model and voice</legend>
        {fieldsOf(AGENT_FIELDS.slice(7, 13))}
      </fieldset>
      <fieldset>
        <legend>Tools and knowledge</legend>
        <div className="checks">
          <label>
            <input
              type="checkbox"
              checked={values.defaultTools}
              disabled={!canEdit}
              onChange={(e) => setValues((v) => ({ ...v, defaultTools: e.target.checked }))}
            />
            Use the default tools
          </label>
        </div>
        <div className="field">
          <label htmlFor="agent-tools">Tools</label>
          <textarea
            id="agent-tools"
            value={values.tools}
            readOnly={!canEdit || values.defaultTools}
            aria-invalid={toolsErrors.length > 0 || undefined}
            aria-describedby={`agent-tools-hint${toolsErrors.length ? ' agent-tools-error' : ''}`}
            onChange={(e) => setValues((v) => ({ ...v, tools: e.target.value }))}
          />
          <p id="agent-tools-hint" className="hint">
            One per line: built-in tools (lookup_customer, send_sms…), HTTP tools by name, mcp:&lt;server&gt; or
            mcp:&lt;server&gt;/&lt;tool&gt;.
          </p>
          {toolsErrors.length > 0 && (
            <p id="agent-tools-error" className="field-error">
              {toolsErrors.join('; ')}
            </p>
          )}
        </div>
        <fieldset aria-describedby={knowledgeErrors.length ? 'agent-knowledge-error' : undefined}>
          <legend>Knowledge bases</legend>
          {knownBases.length === 0 && extraBases.length === 0 && <p className="muted">No knowledge base yet.</p>}
          <div className="checks">
            {[
              ...knownBases.map((b) => ({ id: b.id, name: b.name })),
              ...extraBases.map((id) => ({ id, name: id })),
            ].map((b) => (
              <label key={b.id}>
                <input
                  type="checkbox"
                  checked={values.knowledge.includes(b.id)}
                  disabled={!canEdit}
                  onChange={(e) =>
                    setValues((v) => ({
                      ...v,
                      knowledge: e.target.checked ? [...v.knowledge, b.id] : v.knowledge.filter((k) => k !== b.id),
                    }))
                  }
                />
                {b.name}
              </label>
            ))}
          </div>
          {knowledgeErrors.length > 0 && (
            <p id="agent-knowledge-error" className="field-error">
              {knowledgeErrors.join('; ')}
            </p>
          )}
        </fieldset>
      </fieldset>
      <fieldset>
        <legend>Limits and fallbacks</legend>
        {fieldsOf(AGENT_FIELDS.slice(13))}
      </fieldset>
      {canEdit && (
        <button type="submit" disabled={save.isPending}>
          Save
        </button>
      )}
    </form>
  );
}

export function AgentPage() {
  const { agentId = '' } = useParams();
  const { isAdmin } = useSession();
  const agent = useQuery({
    queryKey: ['agent', agentId],
    queryFn: () => api<AgentVersionView>(`/api/agents/${encodeURIComponent(agentId)}`),
  });
  usePageTitle(agent.data ? `Agent ${agent.data.definition.name}` : `Agent ${agentId}`);
  return (
    <>
      <p>
        <Link to="/agents">← Agents</Link>
      </p>
      <h1>Agent {agent.data?.definition.name ?? agentId}</h1>
      <ErrorText error={agent.error} />
      {agent.isPending && <Loading what="the agent" />}
      {agent.data && (
        <>
          <p className="muted">
            <code>{agent.data.agentId}</code> · version {agent.data.version} <Badge>{agent.data.source}</Badge> ·{' '}
            {formatDate(agent.data.createdAt)}
          </p>
          <AgentForm agent={agent.data} canEdit={isAdmin} />
          <DryRun agentId={agent.data.agentId} />
        </>
      )}
    </>
  );
}
