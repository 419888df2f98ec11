import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load';
import { openKnowledge, type Knowledge } from '../../src/knowledge/knowledge';
import { snippet } from '../../src/knowledge/snippet';
import type { Chunk, EmbeddingProvider } from '../../src/knowledge/types';
import { synonymEmbedder } from './synonym-embedder';

const A = 'AC' + 'd'.repeat(32);
const log = pino({ level: 'silent' });
const scope = { accountSid: A, allKnowledgeBases: true, allCustomers: true };

let dir: string;
const open: Knowledge[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knowledge-search-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((k) => k.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function knowledge(embeddings?: EmbeddingProvider): Promise<Knowledge> {
  const config = loadConfig({ KNOWLEDGE_STORE_URI: dir }).knowledge;
  const k = await openKnowledge(config, { log, ...(embeddings ? { embeddings } : {}) });
  open.push(k);
  return k;
}

function doc(id: string, text: string): Chunk {
  return {
    id,
    accountSid: A,
    knowledgeBaseId: 'kb',
    documentId: 'policy',
    documentVersion: '1',
    title: 'Policy',
    text,
    source: { kind: 'document', knowledgeBaseId: 'kb', documentId: 'policy', title: 'Policy', position: 0 },
    at: '2026-11-01T00:00:00Z',
  };
}

const LONG =
  'Our stores open at nine. '.repeat(20) +
  'Customers may ask for a refund within 30 days of purchase, with the receipt. ' +
  'Gift cards are final. '.repeat(20);

test('lexical only without a provider; hybrid with one; snippets sit around the query words', async () => {
  const lexical = await knowledge();
  await lexical.indexChunks([doc('long', LONG), doc('meaning', 'We reimburse shipping costs for damaged goods.')]);
  const result = await lexical.search({ text: 'refund receipt', scope });
  expect(result.mode).toBe('lexical');
  expect(result.degraded).toBeUndefined();
  expect(result.tookMs).toBeGreaterThan(0);
  expect(result.hits.map((h) => h.chunk.id)).toEqual(['long']);
  expect(result.hits[0]!.snippet).toMatch(/^….*refund within 30 days of purchase, with the receipt.*…$/);
  expect(result.hits[0]!.snippet.length).toBeLessThanOrEqual(242);
  // Asking for meaning without a provider says so instead of failing.
  const asked = await lexical.search({ text: 'money back', scope, mode: 'hybrid' });
  expect(asked.mode).toBe('lexical');
  expect(asked.degraded).toMatch(/no(ne)? .*configured/);
  await lexical.close();

  const embedder = synonymEmbedder(64);
  const hybrid = await knowledge(embedder);
  await hybrid.indexChunks([doc('meaning', 'We reimburse shipping costs for damaged goods.')]);
  const found = await hybrid.search({ text: 'money back', scope });
  expect(found.mode).toBe('hybrid');
  expect(found.hits.map((h) => h.chunk.id)).toContain('meaning');
  // No query word is in it: the snippet is its beginning.
  expect(found.hits.find((h) => h.chunk.id === 'meaning')!.snippet).toBe(
    'We reimburse shipping costs for damaged goods.',
  );
});

test('a failing provider degrades search to lexical with the reason, without leaking its key', async () => {
  const embedder = synonymEmbedder(64);
  const k = await knowledge(embedder);
  await k.indexChunks([doc('d1', 'refunds take five days')]);
  embedder.embed = () => Promise.reject(new Error('401 Unauthorized (Authorization: Bearer pa-topsecret)'));
  const result = await k.search({ text: 'refunds', scope });
  expect(result.mode).toBe('lexical');
  expect(result.degraded).toMatch(/embedding provider test:synonyms-64 failed: 401 Unauthorized/);
  expect(result.degraded).not.toContain('pa-topsecret');
  expect(result.hits.map((h) => h.chunk.id)).toEqual(['d1']);
  await expect(k.indexChunks([doc('d2', 'x')])).rejects.toThrow(/401/);
  await expect(k.search({ text: '   ', scope })).rejects.toThrow(/needs query text/);
});

test('indexChunks embeds in batches and writes once', async () => {
  const embedder = synonymEmbedder(64);
  const k = await knowledge(embedder);
  await k.indexChunks(Array.from({ length: 300 }, (_, i) => doc(`d${i}`, `clause ${i} about refunds`)));
  expect(embedder.calls).toBe(3);
  expect(await k.index.count({ accountSid: A })).toBe(300);
  // Re-indexing the same chunks changes nothing (ids are stable).
  await k.indexChunks([doc('d0', 'clause 0 about refunds')]);
  expect(await k.index.count()).toBe(300);
});

test('snippet keeps short texts whole and cuts long ones at words', () => {
  expect(snippet('  short\n text ', 'x')).toBe('short text');
  const cut = snippet('alpha '.repeat(100) + 'order 4521 shipped ' + 'omega '.repeat(100), 'where is 4521', 60);
  expect(cut).toMatch(/^…(alpha )*order 4521 shipped( omega)*…$/);
  expect(cut.length).toBeLessThanOrEqual(62);
  expect(snippet('x'.repeat(10) + ' ' + 'y'.repeat(500), 'nothing', 50).startsWith('xxxxxxxxxx')).toBe(true);
});
