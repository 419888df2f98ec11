import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  DocumentStatusView,
  DocumentView,
  KnowledgeBaseView,
  SearchResultView,
} from '../../../src/gateway/api-types';
import { api } from '../api';
import { usePageTitle } from '../page-title';
import { useSession } from '../session';
import { Badge, ErrorText, formatDate, Loading } from '../ui';

const STATUS_TONE: Record<DocumentStatusView, 'ok' | 'warn' | 'bad' | 'info' | 'neutral'> = {
  queued: 'info',
  ingesting: 'info',
  ready: 'ok',
  failed: 'bad',
  deleting: 'neutral',
};

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function CreateBase({ onCreated }: { onCreated: (base: KnowledgeBaseView) => void }) {
  const { accountSid } = useSession();
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: (body: { name: string; description: string }) =>
      api<KnowledgeBaseView>('/api/knowledge-bases', {
        method: 'POST',
        body: { ...body, ...(accountSid ? { accountSid } : {}) },
      }),
    onSuccess: (base) => {
      void client.invalidateQueries({ queryKey: ['knowledge-bases'] });
      onCreated(base);
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (key: string) => {
      const v = data.get(key);
      return typeof v === 'string' ? v.trim() : '';
    };
    create.mutate({ name: text('name'), description: text('description') }, { onSuccess: () => form.reset() });
  }
  return (
    <form onSubmit={submit} className="row" aria-label="New knowledge base">
      <div className="field">
        <label htmlFor="kb-name">New knowledge base</label>
        <input id="kb-name" name="name" type="text" required maxLength={100} />
      </div>
      <div className="field">
        <label htmlFor="kb-description">Description</label>
        <input id="kb-description" name="description" type="text" maxLength={2000} />
      </div>
      <button type="submit" disabled={create.isPending}>
        Create
      </button>
      <ErrorText error={create.error} />
    </form>
  );
}

function Documents({ base }: { base: KnowledgeBaseView }) {
  const { isAdmin, accountSid } = useSession();
  const client = useQueryClient();
  const fileRef = useRef<HTMLInputElement>(null);
  const [announce, setAnnounce] = useState('');
  const key = ['documents', base.id] as const;
  const documents = useQuery({
    queryKey: key,
    queryFn: async () =>
      (
        await api<{ documents: DocumentView[] }>(`/api/knowledge-bases/${base.id}/documents`, {
          query: { accountSid },
        })
      ).documents,
    // Ingestion runs in a workflow: follow the documents until each is ready or failed.
    refetchInterval: (q) =>
      q.state.data?.some((d) => d.status === 'queued' || d.status === 'ingesting' || d.status === 'deleting')
        ? 1500
        : false,
  });
  const previous = useRef(new Map<string, DocumentStatusView>());
  useEffect(() => {
    // Announce documents that finished since the last look.
    for (const d of documents.data ?? []) {
      const before = previous.current.get(d.id);
      if (before && before !== d.status && (d.status === 'ready' || d.status === 'failed'))
        setAnnounce(`${d.title}: ${d.status}`);
      previous.current.set(d.id, d.status);
    }
  }, [documents.data]);

  const upload = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return api<DocumentView>(`/api/knowledge-bases/${base.id}/documents`, {
        method: 'POST',
        body: form,
        query: { accountSid },
      });
    },
    onSuccess: (doc) => {
      setAnnounce(`${doc.title}: ${doc.status}`);
      if (fileRef.current) fileRef.current.value = '';
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const remove = useMutation({
    mutationFn: (doc: DocumentView) =>
      api<unknown>(`/api/knowledge-bases/${base.id}/documents/${doc.id}`, { method: 'DELETE', query: { accountSid } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });

  function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (file) upload.mutate(file);
  }

  return (
    <section aria-labelledby={`docs-${base.id}`} className="card">
      <h2 id={`docs-${base.id}`}>Documents of {base.name}</h2>
      {base.description && <p className="muted">{base.description}</p>}
      {isAdmin && (
        <div className="field">
          <label htmlFor="kb-upload">Upload document</label>
          <input
            id="kb-upload"
            ref={fileRef}
            type="file"
            onChange={chosen}
            disabled={upload.isPending}
            aria-describedby="kb-upload-hint"
            accept=".pdf,.txt,.md,.html,.htm,.csv,.json,text/*,application/pdf"
          />
          <p id="kb-upload-hint" className="hint">
            PDF, text, Markdown or HTML. It is searchable once its status is ready.
          </p>
          {upload.isPending && <p className="muted">Uploading…</p>}
          <ErrorText error={upload.error} />
        </div>
      )}
      <ErrorText error={documents.error ?? remove.error} />
      {documents.isPending ? (
        <Loading what="documents" />
      ) : (
        <ul className="history" aria-label="Documents">
          {(documents.data ?? []).length === 0 && <li>No document yet.</li>}
          {(documents.data ?? []).map((d) => (
            <li key={d.id}>
              <strong>{d.title}</strong> <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
              <div className="muted">
                {d.source === 'url' ? d.url : (d.filename ?? d.contentType)} · {formatBytes(d.bytes)} · {d.chunkCount}{' '}
                chunks · updated {formatDate(d.updatedAt)}
              </div>
              {d.error && <p className="field-error">{d.error.message}</p>}
              {isAdmin && d.status !== 'deleting' && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => remove.mutate(d)}
                  aria-label={`Delete ${d.title}`}
                >
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>
    </section>
  );
}

function Search({ bases }: { bases: KnowledgeBaseView[] }) {
  const { accountSid } = useSession();
  const [q, setQ] = useState('');
  const [scope, setScope] = useState<'knowledge' | 'all'>('knowledge');
  const ids = bases.map((b) => b.id).slice(0, 20);
  const search = useQuery({
    queryKey: ['search', accountSid, q, scope, ids],
    queryFn: () =>
      api<SearchResultView>('/api/search', {
        query: {
          q,
          accountSid,
          limit: 10,
          ...(scope === 'knowledge' && ids.length > 0 ? { knowledgeBase: ids.join(',') } : {}),
        },
      }),
    enabled: q.length >= 2,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('q');
    setQ(typeof value === 'string' ? value.trim() : '');
  }
  return (
    <section aria-labelledby="kb-search-title" className="card">
      <h2 id="kb-search-title">Try a search</h2>
      <form role="search" onSubmit={submit} className="row" aria-label="Knowledge search">
        <div className="field">
          <label htmlFor="kb-q">Search knowledge</label>
          <input id="kb-q" name="q" type="search" minLength={2} maxLength={500} required />
        </div>
        <div className="field">
          <label htmlFor="kb-scope">In</label>
          <select id="kb-scope" value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
            <option value="knowledge">Knowledge bases</option>
            <option value="all">Knowledge bases and conversations</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ErrorText error={search.error} />
      {search.isFetching && <Loading what="results" />}
      {search.data && (
        <>
          <p className="muted" role="status">
            {search.data.hits.length} result(s) in {Math.round(search.data.tookMs)} ms ({search.data.mode}
            {search.data.degraded ? `, ${search.data.degraded}` : ''})
          </p>
          <ol className="history" aria-label="Results">
            {search.data.hits.map((h) => (
              <li key={h.chunkId}>
                <strong>{h.title}</strong> <Badge>{h.kind.replace('_', ' ')}</Badge>{' '}
                <span className="muted">score {h.score.toFixed(3)}</span>
                <p>{h.snippet}</p>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

export function KnowledgePage() {
  usePageTitle('Knowledge');
  const { accountSid, isAdmin } = useSession();
  const [selected, setSelected] = useState<string>();
  const bases = useQuery({
    queryKey: ['knowledge-bases', accountSid],
    queryFn: async () =>
      (await api<{ knowledgeBases: KnowledgeBaseView[] }>('/api/knowledge-bases', { query: { accountSid } }))
        .knowledgeBases,
  });
  const list = bases.data ?? [];
  const current = list.find((b) => b.id === selected) ?? list[0];
  return (
    <>
      <h1>Knowledge</h1>
      <ErrorText error={bases.error} />
      <section aria-labelledby="kb-bases" className="card">
        <h2 id="kb-bases">Knowledge bases</h2>
        {bases.isPending ? (
          <Loading what="knowledge bases" />
        ) : list.length === 0 ? (
          <p className="muted">No knowledge base yet{isAdmin ? ': create one below.' : '.'}</p>
        ) : (
          <div className="field">
            <label htmlFor="kb-select">Knowledge base</label>
            <select id="kb-select" value={current?.id ?? ''} onChange={(e) => setSelected(e.target.value)}>
              {list.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {isAdmin && <CreateBase onCreated={(b) => setSelected(b.id)} />}
      </section>
      {current && <Documents key={current.id} base={current} />}
      <Search bases={list} />
    </>
  );
}
