import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import { EmbeddingMismatchError, LanceChunkIndex } from '../../src/knowledge/lance-index';
import { chunkSchema, toRow } from '../../src/knowledge/lance-rows';
import type { Chunk, IndexedChunk, SearchQuery, SearchScope } from '../../src/knowledge/types';
import { embedText, synonymEmbedder } from './synonym-embedder';

const A = 'AC' + 'a'.repeat(32);
const B = 'AC' + 'b'.repeat(32);
const DIM = 64;
const embedder = synonymEmbedder(DIM);

let dir: string;
const opened: LanceChunkIndex[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lance-index-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((index) => index.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(embedded = true, extra: { readConsistencySeconds?: number } = {}): Promise<LanceChunkIndex> {
  const index = await LanceChunkIndex.open({
    uri: dir,
    ...(embedded ? { embedding: { name: embedder.name, dimensions: DIM } } : {}),
    ...extra,
  });
  opened.push(index);
  return index;
}

function message(id: string, text: string, over: Partial<Chunk> = {}): IndexedChunk {
  const at = over.at ?? '2026-11-02T10:00:00.000Z';
  return {
    id,
    accountSid: A,
    customerId: 'cust-1',
    channel: 'sms',
    text,
    title: 'SMS conversation',
    source: { kind: 'message', messageId: id, direction: 'inbound', at },
    at,
    ...over,
  };
}

function doc(id: string, text: string, over: Partial<Chunk> = {}): IndexedChunk {
  const { customerId: _none, ...base } = message(id, text);
  return {
    ...base,
    channel: undefined,
    knowledgeBaseId: 'kb-1',
    documentId: 'doc-1',
    documentVersion: 'v1',
    title: 'Returns policy',
    source: { kind: 'document', knowledgeBaseId: 'kb-1', documentId: 'doc-1', title: 'Returns policy', position: 0 },
    ...over,
  };
}

const withVector = (chunk: IndexedChunk): IndexedChunk => ({ ...chunk, vector: embedText(chunk.text, DIM) });
const everything: SearchScope = { accountSid: A, allCustomers: true, allKnowledgeBases: true };
const ids = (hits: Array<{ chunk: Chunk }>) => hits.map((h) => h.chunk.id).sort();
const lexical = (index: LanceChunkIndex, q: Partial<SearchQuery> & { text: string }) =>
  index.search({ scope: everything, limit: 20, ...q }, undefined, 'lexical');

test('scopes never cross accounts, and customers and knowledge bases are none unless listed', async () => {
  const index = await open(false);
  await index.upsert([
    message('m1', 'my order 4521 is late', { customerId: 'cust-1' }),
    message('m2', 'order 4521 was mine too', { customerId: 'cust-2' }),
    message('m3', 'order 4521 from another account', { accountSid: B }),
    doc('d1', 'orders like 4521 ship in two days'),
    doc('d2', 'order 4521 in another knowledge base', { knowledgeBaseId: 'kb-2', documentId: 'doc-2' }),
  ]);
  const find = (scope: Omit<SearchScope, 'accountSid'>, accountSid = A) =>
    lexical(index, { text: 'order 4521', scope: { accountSid, ...scope } }).then(ids);
  expect(await find({})).toEqual([]);
  expect(await find({ customerIds: ['cust-1'] })).toEqual(['m1']);
  expect(await find({ customerIds: ['cust-1', 'cust-2'] })).toEqual(['m1', 'm2']);
  expect(await find({ allCustomers: true })).toEqual(['m1', 'm2']);
  expect(await find({ knowledgeBaseIds: ['kb-1'] })).toEqual(['d1']);
  expect(await find({ allKnowledgeBases: true })).toEqual(['d1', 'd2']);
  expect(await find({ knowledgeBaseIds: ['kb-2'], customerIds: ['cust-2'] })).toEqual(['d2', 'm2']);
  expect(await find({ allCustomers: true, allKnowledgeBases: true }, B)).toEqual(['m3']);
  // A customer id that is also a knowledge base id does not open documents, nor the reverse.
  expect(await find({ customerIds: ['kb-1'] })).toEqual([]);
  await expect(lexical(index, { text: 'order', scope: { accountSid: '' } })).rejects.toThrow(/accountSid/);
});

test('filters: channel, kind, time range (inclusive), knowledge base', async () => {
  const index = await open(false);
  await index.upsert([
    message('sms-1', 'refund please', { channel: 'sms', at: '2026-11-01T09:00:00Z' }),
    message('wa-1', 'refund please', { channel: 'whatsapp', at: '2026-11-03T09:00:00+02:00' }),
    {
      ...message('call-1', 'refund please', { channel: 'voice', at: '2026-11-05T09:00:00Z' }),
      source: { kind: 'call', callSid: 'CA1', turnId: 't1', speaker: 'caller', at: '2026-11-05T09:00:00Z' },
    },
    doc('d1', 'refund within 30 days', { at: '2026-11-04T00:00:00Z' }),
  ]);
  const find = (filters: SearchQuery['filters']) => lexical(index, { text: 'refund', filters }).then(ids);
  expect(await find({})).toEqual(['call-1', 'd1', 'sms-1', 'wa-1']);
  expect(await find({ channels: ['sms', 'whatsapp'] })).toEqual(['sms-1', 'wa-1']);
  expect(await find({ kinds: ['call'] })).toEqual(['call-1']);
  expect(await find({ kinds: ['document', 'message'] })).toEqual(['d1', 'sms-1', 'wa-1']);
  // wa-1 is 07:00Z on the 3rd: offsets are normalized before comparing.
  expect(await find({ from: '2026-11-03T07:00:00Z', to: '2026-11-04T00:00:00Z' })).toEqual(['d1', 'wa-1']);
  expect(await find({ from: '2026-11-03T07:00:00.001Z' })).toEqual(['call-1', 'd1']);
  expect(
    await lexical(index, { text: 'refund', scope: { accountSid: A, knowledgeBaseIds: ['kb-9'] } }).then(ids),
  ).toEqual([]);
  await expect(find({ from: 'last tuesday' })).rejects.toThrow(/filters.from must be an ISO 8601/);
});

test('hostile filter values are data, never SQL', async () => {
  const index = await open(false);
  const weird = "x' OR '1'='1";
  await index.upsert([
    message('m1', 'secret plan', { customerId: 'cust-1' }),
    message('m2', 'secret plan', { customerId: weird }),
    message('m3', 'secret plan', { customerId: 'back\\slash' }),
  ]);
  const find = (customerIds: string[]) =>
    lexical(index, { text: 'secret', scope: { accountSid: A, customerIds } }).then(ids);
  expect(await find(["nobody' OR 1=1 --"])).toEqual([]);
  expect(await find(["cust-1') OR (accountSid <> '"])).toEqual([]);
  expect(await find([weird])).toEqual(['m2']);
  expect(await find(['back\\slash'])).toEqual(['m3']);
  expect(await lexical(index, { text: 'secret', scope: { accountSid: "' OR 1=1 --", allCustomers: true } })).toEqual(
    [],
  );
  // Query text is words to match, not a query language.
  expect(await lexical(index, { text: 'secret" OR title:* AND (' }).then(ids)).toEqual(['m1', 'm2', 'm3']);
  expect(await index.remove({ accountSid: A, customerId: "' OR 1=1 --" })).toBe(0);
  expect(await index.count({ accountSid: A })).toBe(3);
  await expect(lexical(index, { text: 'x', scope: { accountSid: A, customerIds: ['a\0b'] } })).rejects.toThrow(/NUL/);
});

test('upsert is idempotent; remove and replace versions; rows added after the index are searched', async () => {
  const index = await open(false);
  await index.upsert([doc('d1', 'returns accepted within 30 days'), doc('d2', 'exchanges are free')]);
  await index.optimize();
  await index.upsert([doc('d1', 'returns accepted within 30 days'), doc('d2', 'exchanges are free')]);
  expect(await index.count()).toBe(2);
  // Version 2 of the document: upsert it, then drop every other version.
  await index.upsert([
    doc('d1-v2', 'returns accepted within 60 days', { documentVersion: 'v2' }),
    doc('d3-v2', 'gift cards are never refunded', { documentVersion: 'v2' }),
  ]);
  expect(await lexical(index, { text: 'accepted' }).then(ids)).toEqual(['d1', 'd1-v2']);
  expect(await index.remove({ accountSid: A, documentId: 'doc-1', exceptDocumentVersion: 'v2' })).toBe(2);
  expect(await lexical(index, { text: 'accepted gift' }).then(ids)).toEqual(['d1-v2', 'd3-v2']);
  // Same id, new text: replaced in place, and the old words no longer find it.
  await index.upsert([doc('d3-v2', 'store credit only', { documentVersion: 'v2' })]);
  expect(await lexical(index, { text: 'gift' })).toEqual([]);
  expect(await lexical(index, { text: 'credit' }).then(ids)).toEqual(['d3-v2']);
  // The same id in another account is another chunk.
  await index.upsert([doc('d3-v2', 'store credit only', { accountSid: B })]);
  expect(await index.count({ accountSid: A })).toBe(2);
  expect(await index.count({ accountSid: B })).toBe(1);
  expect(await index.remove({ accountSid: A, ids: ['d3-v2'] })).toBe(1);
  expect(await index.count({ accountSid: B })).toBe(1);
  await expect(index.remove({ accountSid: A })).rejects.toThrow(/needs a customerId/);
  await expect(index.remove({ accountSid: A, exceptDocumentVersion: 'v2' })).rejects.toThrow(/needs a documentId/);
  await expect(index.upsert([{ ...doc('bad', 'x'), at: 'yesterday' }])).rejects.toThrow(/"bad": at must be an ISO/);
  await expect(index.upsert([{ ...message('bad', 'x'), customerId: undefined }])).rejects.toThrow(/needs a customerId/);
  expect(await index.count()).toBe(2);
});

test('hybrid finds by meaning what lexical misses; vector search is scoped too', async () => {
  const index = await open(true);
  await index.upsert(
    [
      doc('d1', 'We reimburse the full amount within 14 days of the return.'),
      doc('d2', 'Parcels are handed to the courier every weekday.'),
      doc('d3', 'Opening hours are nine to five.'),
      message('m1', 'I want my money back for the order', { accountSid: B }),
    ].map(withVector),
  );
  const query = 'how do I get a refund';
  const vector = embedText(query, DIM);
  expect(await lexical(index, { text: query })).toEqual([]);
  const hybrid = await index.search({ text: query, scope: everything, limit: 2 }, vector, 'hybrid');
  expect(hybrid[0]?.chunk.id).toBe('d1');
  const nearest = await index.search({ text: query, scope: everything, limit: 3 }, vector, 'vector');
  expect(nearest[0]?.chunk.id).toBe('d1');
  expect(nearest.map((h) => h.chunk.accountSid)).not.toContain(B);
  // Words and meaning both matching rank first.
  await index.upsert([withVector(doc('d4', 'refund forms are at the desk'))]);
  const both = await index.search({ text: 'refund', scope: everything, limit: 3 }, embedText('refund', DIM), 'hybrid');
  expect(both[0]?.chunk.id).toBe('d4');
  await expect(index.search({ text: 'x', scope: everything }, new Float32Array(3), 'vector')).rejects.toThrow(
    /3 dimensions; the store's have 64/,
  );
});

test('a second connection sees writes; a lexical-only store gains vectors; another model is refused', async () => {
  const lexicalOnly = await open(false);
  await lexicalOnly.upsert([doc('d1', 'We reimburse the full amount')]);
  const reader = await open(false);
  expect(await reader.count()).toBe(1);
  await lexicalOnly.upsert([doc('d2', 'refund desk on floor two')]);
  expect(await lexicalOnly.search({ text: 'refund', scope: everything }, undefined, 'lexical').then(ids)).toEqual([
    'd2',
  ]);
  expect(await reader.search({ text: 'refund', scope: everything }, undefined, 'lexical').then(ids)).toEqual(['d2']);
  await lexicalOnly.close();
  await reader.close();

  const embedded = await open(true);
  await embedded.upsert([withVector(doc('d3', 'We reimburse travel costs'))]);
  const vector = embedText('refund', DIM);
  // d1 and d2 have no vector (written lexical-only): only d3 is a neighbour; hybrid still finds d2 by its word.
  expect(await embedded.search({ text: 'refund', scope: everything }, vector, 'vector').then(ids)).toEqual(['d3']);
  expect(await embedded.search({ text: 'refund', scope: everything }, vector, 'hybrid').then(ids)).toEqual([
    'd2',
    'd3',
  ]);
  await expect(
    LanceChunkIndex.open({ uri: dir, embedding: { name: 'voyage:voyage-3.5-lite', dimensions: 512 } }),
  ).rejects.toThrow(EmbeddingMismatchError);
  await expect(
    LanceChunkIndex.open({ uri: dir, embedding: { name: 'voyage:voyage-3.5-lite', dimensions: 512 } }),
  ).rejects.toThrow(/set KNOWLEDGE_STORE_URI to a new location and re-ingest/);
});

test('optimize compacts and builds the vector index past the threshold; searches still find everything', async () => {
  const index = await LanceChunkIndex.open({
    uri: dir,
    embedding: { name: embedder.name, dimensions: DIM },
    vectorIndexMinRows: 300,
  });
  opened.push(index);
  const words = ['refund', 'courier', 'invoice', 'password', 'cracked', 'weather'];
  for (let batch = 0; batch < 4; batch++)
    await index.upsert(
      Array.from({ length: 100 }, (_, i) =>
        withVector(doc(`d${batch}-${i}`, `${words[(batch * 100 + i) % words.length]} note ${batch}-${i}`)),
      ),
    );
  await index.optimize();
  await index.upsert([withVector(doc('late', 'refund arrived after the index'))]);
  const found = await index.search(
    { text: 'refund arrived', scope: everything, limit: 3 },
    embedText('refund arrived', DIM),
    'hybrid',
  );
  expect(found[0]?.chunk.id).toBe('late');
  expect(await index.count()).toBe(401);
});

test('a chunk written after optimize() is found lexically at once with account + customer filters', async () => {
  const index = await open(false);
  await index.upsert([
    message('m1', 'where is my order', { customerId: 'cust-1' }),
    message('m2', 'order arrived, thanks', { customerId: 'cust-1' }),
  ]);
  await index.optimize();
  // "order" three times in the one row the filter admits: LanceDB's flat BM25 over unindexed rows counts
  // those occurrences as document frequency, which outnumbers the rows it scores and made the weight negative.
  await index.upsert([
    message('m3', 'My order 4521 was late, the order came damaged, so this order needs a refund.', {
      customerId: 'cust-2',
      accountSid: A,
    }),
  ]);
  const scope = { accountSid: A, customerIds: ['cust-2'] };
  expect(await lexical(index, { text: 'order', scope }).then(ids)).toEqual(['m3']);
  expect(await lexical(index, { text: 'order 4521 damaged', scope, limit: 5 }).then(ids)).toEqual(['m3']);
  expect(await lexical(index, { text: 'order', scope: { accountSid: B, allCustomers: true } })).toEqual([]);
});

test('a store written before the account-qualified key gains it; an accountSid with the separator is refused', async () => {
  // The previous layout: no `key` column, upserts merged on (accountSid, id).
  const db = await lancedb.connect(dir);
  const { key: _key, ...oldRow } = toRow(doc('d1', 'refunds within 30 days'), undefined, false);
  const oldSchema = new Schema(chunkSchema(undefined).fields.filter((f) => f.name !== 'key'));
  await db.createTable('chunks', [oldRow, { ...oldRow, accountSid: B }], { schema: oldSchema });
  db.close();
  const index = await open(false);
  await index.upsert([doc('d1', 'refunds within 60 days')]);
  expect(await index.count()).toBe(2);
  expect(await lexical(index, { text: 'refunds' }).then((hits) => hits.map((h) => h.chunk.text))).toEqual([
    'refunds within 60 days',
  ]);
  expect(await index.remove({ accountSid: B, ids: ['d1'] })).toBe(1);
  await expect(index.upsert([doc('d2', 'x', { accountSid: 'AC/evil' })])).rejects.toThrow(/cannot contain "\/"/);
});
