// `npm run bench:knowledge-search [-- --chunks 50000 --queries 200 --dimensions 512]`
// The chunk index at scale, in a temporary LanceDB store on local disk: ingestion throughput (with
// and without embedding) and search latency p50/p90/p99 — lexical, vector, hybrid — scoped to one
// account and one customer (or one knowledge base), before and after optimize() (compaction, FTS
// refresh, HNSW-SQ vector index). Vectors come from a deterministic test embedder of the production
// dimension: latency depends on the dimension and the row count, not on what the vectors mean.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LanceChunkIndex } from '../src/knowledge/lance-index';
import type { Chunk, IndexedChunk, SearchMode, SearchQuery } from '../src/knowledge/types';
import { synonymEmbedder } from '../test/knowledge/synonym-embedder';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '50000' },
    queries: { type: 'string', default: '200' },
    dimensions: { type: 'string', default: '512' },
    batch: { type: 'string', default: '1000' },
  },
});
const CHUNKS = Number(values.chunks);
const QUERIES = Number(values.queries);
const DIMENSIONS = Number(values.dimensions);
const BATCH = Number(values.batch);
const ACCOUNTS = 5;
const CUSTOMERS_PER_ACCOUNT = 400;
const KBS_PER_ACCOUNT = 4;

/** A deterministic pseudo-random stream (mulberry32), so every run indexes the same corpus. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(12);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

const TOPICS = [
  'refund',
  'delivery',
  'invoice',
  'password',
  'cancel',
  'upgrade',
  'warranty',
  'appointment',
  'address',
  'payment',
  'subscription',
  'damaged',
  'tracking',
  'discount',
  'voucher',
  'exchange',
  'battery',
  'screen',
  'router',
  'contract',
];
const WORDS = (
  'the customer said order number account please thanks help support agent week today tomorrow yesterday ' +
  'store online phone email message call back again still waiting since monday friday could would should ' +
  'check status update item package box color size price plan month year policy days business receipt ' +
  'manager team office branch city street card bank transfer balance late early fast slow broken working'
).split(' ');
const NAMES = ['Maria', 'John', 'Aisha', 'Chen', 'Olga', 'Pedro', 'Fatima', 'Luca', 'Sven', 'Priya'];

function sentence(): string {
  const words = Array.from({ length: 8 + Math.floor(rand() * 10) }, () => pick(WORDS));
  words.splice(Math.floor(rand() * words.length), 0, pick(TOPICS));
  if (rand() < 0.3) words.push(`#${1000 + Math.floor(rand() * 9000)}`);
  if (rand() < 0.2) words.unshift(pick(NAMES));
  return words.join(' ') + '.';
}

const accountSid = (a: number) => `AC${String(a).padStart(32, '0')}`;

function makeChunk(i: number): Chunk {
  const account = i % ACCOUNTS;
  const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 300 * 86_400_000)).toISOString();
  const text = Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(' ');
  if (i % 5 === 0) {
    const kb = `kb-${account}-${Math.floor(rand() * KBS_PER_ACCOUNT)}`;
    const documentId = `doc-${kb}-${Math.floor(rand() * 50)}`;
    const title = `${pick(TOPICS)} policy`;
    return {
      id: `chunk-${i}`,
      accountSid: accountSid(account),
      knowledgeBaseId: kb,
      documentId,
      documentVersion: 'v1',
      text,
      title,
      source: { kind: 'document', knowledgeBaseId: kb, documentId, title, position: i },
      at,
    };
  }
  const customerId = `cust-${account}-${Math.floor(rand() * CUSTOMERS_PER_ACCOUNT)}`;
  const call = rand() < 0.5;
  return {
    id: `chunk-${i}`,
    accountSid: accountSid(account),
    customerId,
    channel: call ? 'voice' : 'sms',
    text,
    title: call ? `Call with ${customerId}` : `SMS with ${customerId}`,
    source: call
      ? { kind: 'call', callSid: `CA${i}`, turnId: `t${i}`, speaker: rand() < 0.5 ? 'caller' : 'agent', at }
      : { kind: 'message', messageId: `m${i}`, direction: 'inbound', at },
    at,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const fmt = (ms: number) => ms.toFixed(1).padStart(7);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-knowledge-'));
  const embedder = synonymEmbedder(DIMENSIONS, `bench:hash-${DIMENSIONS}`);
  const index = await LanceChunkIndex.open({ uri: dir, embedding: { name: embedder.name, dimensions: DIMENSIONS } });
  try {
    console.log(`knowledge-search: ${CHUNKS} chunks, ${DIMENSIONS}-d Float32 vectors, batches of ${BATCH}, ${dir}`);
    const chunks = Array.from({ length: CHUNKS }, (_, i) => makeChunk(i));
    let embedMs = 0;
    let writeMs = 0;
    for (let i = 0; i < chunks.length; i += BATCH) {
      const batch = chunks.slice(i, i + BATCH);
      let t = performance.now();
      const vectors = await embedder.embed(
        batch.map((c) => `${c.title}\n${c.text}`),
        'document',
      );
      embedMs += performance.now() - t;
      t = performance.now();
      await index.upsert(batch.map((c, j): IndexedChunk => ({ ...c, vector: vectors[j] })));
      writeMs += performance.now() - t;
    }
    console.log(
      `ingestion: ${Math.round(CHUNKS / (writeMs / 1000))} chunks/s written (upsert only, ${(writeMs / 1000).toFixed(1)} s); ` +
        `${Math.round(CHUNKS / ((writeMs + embedMs) / 1000))} chunks/s with the test embedder (${(embedMs / 1000).toFixed(1)} s embedding)`,
    );

    const queries: Array<{ query: SearchQuery; vector: Float32Array }> = [];
    for (let q = 0; q < QUERIES; q++) {
      const source = chunks[Math.floor(rand() * chunks.length)]!;
      const words = source.text.split(' ');
      const start = Math.floor(rand() * Math.max(1, words.length - 4));
      const text = words.slice(start, start + 4).join(' ');
      const scope = source.customerId
        ? { accountSid: source.accountSid, customerIds: [source.customerId] }
        : { accountSid: source.accountSid, knowledgeBaseIds: [source.knowledgeBaseId!] };
      queries.push({ query: { text, scope, limit: 5 }, vector: (await embedder.embed([text], 'query'))[0]! });
    }

    async function measure(label: string, on: LanceChunkIndex = index): Promise<void> {
      for (const mode of ['lexical', 'vector', 'hybrid'] as SearchMode[]) {
        // Warm-up: the first queries load index files.
        for (const { query, vector } of queries.slice(0, 5)) await on.search(query, vector, mode);
        const times: number[] = [];
        let found = 0;
        for (const { query, vector } of queries) {
          const t = performance.now();
          const hits = await on.search(query, vector, mode);
          times.push(performance.now() - t);
          if (hits.length) found++;
        }
        times.sort((a, b) => a - b);
        console.log(
          `  ${label.padEnd(34)} ${mode.padEnd(8)} p50 ${fmt(percentile(times, 50))} ms  p90 ${fmt(percentile(times, 90))} ms  p99 ${fmt(percentile(times, 99))} ms  (${found}/${queries.length} with hits)`,
        );
      }
    }

    console.log('search latency, scoped to account + customer (or knowledge base), limit 5:');
    await measure('before optimize (flat)');
    let t = performance.now();
    await index.optimize();
    console.log(`optimize(): ${((performance.now() - t) / 1000).toFixed(1)} s (compaction, FTS, HNSW-SQ cosine)`);
    await measure('after optimize (indexed)');

    // What seeing other processes' writes costs a reader: a check of the latest version per read.
    const reader = await LanceChunkIndex.open({
      uri: dir,
      embedding: { name: embedder.name, dimensions: DIMENSIONS },
      readConsistencySeconds: 3600,
    });
    await measure('second process, consistency 3600 s', reader);
    await reader.close();
    const strict = await LanceChunkIndex.open({
      uri: dir,
      embedding: { name: embedder.name, dimensions: DIMENSIONS },
      readConsistencySeconds: 0,
    });
    await measure('second process, consistency 0 s', strict);
    // One call's or exchange's worth: what indexing a conversation costs at this size (O(batch), not O(table)).
    const small: number[] = [];
    for (let k = 0; k < 9; k++) {
      const batch = chunks.slice(k * 10, k * 10 + 10).map((c, i) => ({ ...c, id: `small-${k}-${i}` }));
      const vectors = await embedder.embed(
        batch.map((c) => c.text),
        'document',
      );
      const started = performance.now();
      await index.upsert(batch.map((c, i) => ({ ...c, vector: vectors[i] })));
      small.push(performance.now() - started);
    }
    small.sort((a, b) => a - b);
    console.log(
      `upsert of 10 chunks at ${CHUNKS} rows: p50 ${fmt(percentile(small, 50))} ms, max ${fmt(small.at(-1)!)} ms (9 writes)`,
    );
    // Writes after the index: searched through the unindexed part until the next optimize().
    t = performance.now();
    const fresh = chunks.slice(0, 1000).map((c, i) => ({ ...c, id: `fresh-${i}` }));
    const freshVectors = await embedder.embed(
      fresh.map((c) => c.text),
      'document',
    );
    await index.upsert(fresh.map((c, i) => ({ ...c, vector: freshVectors[i] })));
    console.log(`upsert of 1,000 more after the index: ${(performance.now() - t).toFixed(0)} ms`);
    await measure('1,000 unindexed rows, 0 s reader', strict);
    await strict.close();
  } finally {
    await index.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
