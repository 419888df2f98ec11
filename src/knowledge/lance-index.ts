import * as lancedb from '@lancedb/lancedb';
import {
  chunkSchema,
  fromRow,
  KEY_COLUMN,
  RESULT_COLUMNS,
  ROW_KEY_SQL,
  rowKey,
  storedEmbedding,
  toRow,
  vectorField,
  type EmbeddingSpec,
} from './lance-rows';
import { and, equals, isIn, notEquals, searchPredicate } from './lance-where';
import { fuseScores, identifierTokens, MIN_FUSION_CANDIDATES } from './fusion';
import type { ChunkIndex, IndexedChunk, SearchHit, SearchMode, SearchQuery } from './types';

/**
 * The chunk index on LanceDB: one table, `chunks`, on local disk or object storage. Lexical search is
 * LanceDB's full-text (BM25) index over `text` and `title`; vector search is cosine over `vector`;
 * hybrid fuses both lists' normalised scores (fusion.ts). Rows written after an index was built are still searched
 * (LanceDB scans the unindexed part flat) until `optimize()` folds them in.
 *
 * Upserts merge on `key` (account + id) through a BTREE index, so a small write costs its own size, not
 * the table's. The full-text index is rebuilt by a write while it covers too little of the table (see
 * `keepLexicalIndexAhead`): LanceDB's flat BM25 over unindexed rows counts a term's occurrences as its
 * document frequency, so when few rows are indexed, a word repeated inside the few rows a filter admits
 * gets a negative weight and those rows are silently dropped.
 */

const TABLE = 'chunks';
const FTS_COLUMNS = ['text', 'title'] as const;
/**
 * The full-text index is rebuilt on write while the table has at most this many rows (cheap), and beyond
 * that whenever the rows it lacks outnumber the rows it covers (amortized: each rebuild doubles coverage).
 * With at least this many rows indexed, a flat-scored term needs more occurrences than there are rows
 * before its weight turns negative — only a word in practically every chunk, which BM25 barely weighs anyway.
 */
const LEXICAL_REBUILD_MAX_ROWS = 2_000;
/** Below this many rows a flat vector scan is as fast as an index (measured: bench/knowledge-search.ts). */
const DEFAULT_VECTOR_INDEX_MIN_ROWS = 5_000;
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 100;
/** Each list of a hybrid search fetches this many times the limit (and at least MIN_FUSION_CANDIDATES). */
const HYBRID_CANDIDATES = 4;
/** Old table versions kept after compaction: readers mid-query on another process still find their files. */
const KEEP_VERSIONS_MS = 10 * 60_000;

export interface LanceChunkIndexOptions {
  /** A directory or an object-store URI (s3://bucket/prefix). */
  uri: string;
  /** LanceDB object-store settings (endpoint, region, credentials...). */
  storageOptions?: Record<string, string>;
  /** The embedding provider's identity; absent: lexical only. */
  embedding?: EmbeddingSpec;
  /**
   * How stale a read may be, in seconds, to see other processes' writes (0: check on every read).
   * Default: 0 on local disk (a file listing), 1 s on object storage (a round trip per check).
   */
  readConsistencySeconds?: number;
  vectorIndexMinRows?: number;
}

/** The store was embedded by another model or dimension: comparing vectors across models is meaningless. */
export class EmbeddingMismatchError extends Error {
  constructor(uri: string, stored: EmbeddingSpec, configured: EmbeddingSpec) {
    super(
      `knowledge store ${redactUri(uri)} holds ${stored.dimensions}-dimension vectors from ${stored.name}, but the ` +
        `configured embedding provider is ${configured.name} with ${configured.dimensions} dimensions: set ` +
        `KNOWLEDGE_STORE_URI to a new location and re-ingest, or restore VOYAGE_MODEL/VOYAGE_DIMENSIONS`,
    );
    this.name = 'EmbeddingMismatchError';
  }
}

/** Credentials never appear in errors: URIs lose their userinfo and query. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
}

export function isObjectStoreUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://');
}

type Row = Record<string, unknown>;

export class LanceChunkIndex implements ChunkIndex {
  private table: lancedb.Table | undefined;
  private opening: Promise<lancedb.Table | undefined> | undefined;
  /** Writes run one at a time per process: LanceDB commits are optimistic, and ours should not race each other. */
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Writes this process made since its last optimize (the background optimizer skips idle stores). */
  private unoptimizedWrites = 0;

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly options: LanceChunkIndexOptions,
  ) {}

  static async open(options: LanceChunkIndexOptions): Promise<LanceChunkIndex> {
    const interval = options.readConsistencySeconds ?? (isObjectStoreUri(options.uri) ? 1 : 0);
    const db = await lancedb.connect(options.uri, {
      readConsistencyInterval: interval,
      ...(options.storageOptions ? { storageOptions: options.storageOptions } : {}),
    });
    const index = new LanceChunkIndex(db, options);
    // Opening an existing table now reports a model mismatch at startup rather than at the first search.
    await index.existingTable();
    return index;
  }

  /** The vector column's dimension, once known (undefined: lexical only). */
  get dimensions(): number | undefined {
    return this.options.embedding?.dimensions;
  }

  upsert(chunks: IndexedChunk[]): Promise<void> {
    if (chunks.length === 0) return Promise.resolve();
    return this.serial(async () => {
      const table = await this.writableTable();
      // A bad chunk fails the whole batch before anything is written; a repeated id keeps its last version.
      const hasVectors = storedEmbedding(await table.schema()) !== undefined;
      const byKey = new Map(
        chunks.map((chunk) => {
          const row = toRow(chunk, this.dimensions, hasVectors);
          return [row[KEY_COLUMN] as string, row];
        }),
      );
      // One indexed key column (account + id): LanceDB looks the batch up in the BTREE index instead of
      // joining against every row, and a colliding id of another account is another key.
      await table
        .mergeInsert(KEY_COLUMN)
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute([...byKey.values()]);
      this.unoptimizedWrites++;
      await keepLexicalIndexAhead(table);
    });
  }

  remove(match: Parameters<ChunkIndex['remove']>[0]): Promise<number> {
    if (typeof match.accountSid !== 'string' || match.accountSid === '')
      return Promise.reject(new RangeError('remove needs an accountSid'));
    const parts = [equals('accountSid', match.accountSid)];
    if (match.customerId !== undefined) parts.push(equals('customerId', match.customerId));
    if (match.knowledgeBaseId !== undefined) parts.push(equals('knowledgeBaseId', match.knowledgeBaseId));
    if (match.documentId !== undefined) parts.push(equals('documentId', match.documentId));
    if (match.exceptDocumentVersion !== undefined) {
      if (match.documentId === undefined)
        return Promise.reject(new RangeError('remove: exceptDocumentVersion needs a documentId'));
      parts.push(notEquals('documentVersion', match.exceptDocumentVersion));
    }
    if (match.ids !== undefined)
      parts.push(
        isIn(
          'key',
          match.ids.map((id) => rowKey(match.accountSid, id)),
        ),
      );
    // Removing a whole account is not something any caller does; refusing it guards against a forgotten field.
    if (parts.length === 1)
      return Promise.reject(new RangeError('remove needs a customerId, knowledgeBaseId, documentId or ids'));
    const predicate = and(parts);
    return this.serial(async () => {
      const table = await this.existingTable();
      if (!table) return 0;
      const result = await table.delete(predicate);
      if (result.numDeletedRows > 0) this.unoptimizedWrites++;
      return result.numDeletedRows;
    });
  }

  async search(query: SearchQuery, vector: Float32Array | undefined, mode: SearchMode): Promise<SearchHit[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    if (typeof query.text !== 'string') throw new RangeError('query text must be a string');
    if (mode !== 'lexical') {
      if (!vector) throw new RangeError(`${mode} search needs the query's vector`);
      if (this.dimensions === undefined)
        throw new RangeError(`${mode} search needs an embedding provider; this store is lexical only`);
      if (vector.length !== this.dimensions)
        throw new RangeError(`the query vector has ${vector.length} dimensions; the store's have ${this.dimensions}`);
    }
    const where = searchPredicate(query.scope, query.filters);
    if (where === undefined) return [];
    const table = await this.existingTable();
    if (!table) return [];
    const text = query.text.trim();
    if (mode === 'lexical') return text ? toHits(await this.lexical(table, text, where, limit)) : [];
    if (mode === 'vector') return toHits(await this.nearest(table, vector!, where, limit));
    const candidates = Math.max(limit * HYBRID_CANDIDATES, MIN_FUSION_CANDIDATES);
    const [words, meaning] = await Promise.all([
      text ? this.lexical(table, text, where, candidates) : Promise.resolve([]),
      this.nearest(table, vector!, where, candidates),
    ]);
    return fuseScores(
      words.map((row) => ({ item: row, score: row._score as number })),
      meaning.map((row) => ({ item: row, score: 1 - (row._distance as number) })),
      {
        key: (row) => row.id as string,
        text: (row) => `${row.title as string}\n${row.text as string}`,
        identifiers: identifierTokens(text),
      },
    )
      .slice(0, limit)
      .map(({ item, score }) => ({ chunk: fromRow(item), score, snippet: '' }));
  }

  async count(match: { accountSid?: string } = {}): Promise<number> {
    const table = await this.existingTable();
    if (!table) return 0;
    return table.countRows(match.accountSid === undefined ? undefined : equals('accountSid', match.accountSid));
  }

  /**
   * Compacts the small fragments each write leaves, folds new rows into the full-text index and the
   * vector index, and builds the vector index once the table is big enough for it to pay off.
   */
  optimize(): Promise<void> {
    return this.serial(async () => {
      const table = await this.existingTable();
      if (!table) return;
      this.unoptimizedWrites = 0;
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - KEEP_VERSIONS_MS) });
      const indices = await table.listIndices();
      const indexed = new Set(indices.flatMap((i) => i.columns));
      for (const column of FTS_COLUMNS)
        if (!indexed.has(column)) await table.createIndex(column, { config: lancedb.Index.fts() });
      if (!indexed.has(KEY_COLUMN)) await table.createIndex(KEY_COLUMN, { config: lancedb.Index.btree() });
      if (
        this.dimensions !== undefined &&
        !indexed.has('vector') &&
        (await table.countRows()) >= (this.options.vectorIndexMinRows ?? DEFAULT_VECTOR_INDEX_MIN_ROWS)
      )
        await table.createIndex('vector', { config: lancedb.Index.hnswSq({ distanceType: 'cosine' }) });
    });
  }

  /** Optimizes only when this process wrote since the last time; true when it ran. */
  async optimizeIfWritten(): Promise<boolean> {
    if (this.unoptimizedWrites === 0) return false;
    await this.optimize();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    this.table?.close();
    this.db.close();
  }

  private async lexical(table: lancedb.Table, text: string, where: string, limit: number): Promise<Row[]> {
    return (await table
      .query()
      .fullTextSearch(new lancedb.MultiMatchQuery(text, [...FTS_COLUMNS]))
      .where(where)
      .select([...RESULT_COLUMNS, '_score'])
      .limit(limit)
      .toArray()) as Row[];
  }

  private async nearest(table: lancedb.Table, vector: Float32Array, where: string, limit: number): Promise<Row[]> {
    const rows = (await table
      .vectorSearch(vector)
      .column('vector')
      .distanceType('cosine')
      .where(where)
      .select([...RESULT_COLUMNS, '_distance'])
      .limit(limit)
      .toArray()) as Row[];
    // Rows written before the store had embeddings have no vector: they are not neighbours of anything.
    return rows.filter((row) => Number.isFinite(row._distance));
  }

  private serial<T>(write: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the knowledge index is closed'));
    const run = this.writes.then(write, write);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** The table if some process has created it; checked again on each call until it exists. */
  private existingTable(): Promise<lancedb.Table | undefined> {
    if (this.table) return Promise.resolve(this.table);
    this.opening ??= (async () => {
      try {
        if (!(await this.db.tableNames()).includes(TABLE)) return undefined;
        return await this.adopt(await this.db.openTable(TABLE));
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /** Creates the table on the first write, when the vector dimension is known. */
  private async writableTable(): Promise<lancedb.Table> {
    const existing = await this.existingTable();
    if (existing) return existing;
    // existOk: another process may create it at the same moment; then its table is used.
    const table = await this.db.createEmptyTable(TABLE, chunkSchema(this.options.embedding), { existOk: true });
    // Created empty: the key index covers later rows through its unindexed part until optimize(); the
    // full-text indexes are rebuilt by the first writes (keepLexicalIndexAhead).
    const indexed = new Set((await table.listIndices()).flatMap((i) => i.columns));
    if (!indexed.has(KEY_COLUMN)) await table.createIndex(KEY_COLUMN, { config: lancedb.Index.btree() });
    for (const column of FTS_COLUMNS)
      if (!indexed.has(column)) await table.createIndex(column, { config: lancedb.Index.fts() });
    return this.adopt(table);
  }

  /** Checks the table against the configured embedding provider, adding the vector column a lexical-only store lacks. */
  private async adopt(table: lancedb.Table): Promise<lancedb.Table> {
    const configured = this.options.embedding;
    const schema = await table.schema();
    if (!schema.fields.some((f) => f.name === KEY_COLUMN)) {
      // A store written before upserts merged on `key` (development data only): fill the column from the
      // rows' own account and id, once. Another process may do the same at the same moment; then its column is used.
      try {
        await table.addColumns([{ name: KEY_COLUMN, valueSql: ROW_KEY_SQL }]);
        await table.createIndex(KEY_COLUMN, { config: lancedb.Index.btree() });
      } catch (error) {
        if (!(await table.schema()).fields.some((f) => f.name === KEY_COLUMN)) throw error;
      }
      return this.adopt(table);
    }
    const stored = storedEmbedding(schema);
    if (configured && !stored) {
      // A store written lexical-only gains a (null) vector column: its old chunks stay found by words and
      // are found by meaning once re-indexed; new chunks carry vectors from now on.
      try {
        await table.addColumns([vectorField(configured)]);
      } catch (error) {
        // Another process may have added it first: re-read, and fall through to the checks below.
        if (!storedEmbedding(await table.schema())) throw error;
      }
      return this.adopt(table);
    }
    if (configured && stored && (stored.name !== configured.name || stored.dimensions !== configured.dimensions))
      throw new EmbeddingMismatchError(this.options.uri, stored, configured);
    this.table = table;
    return table;
  }
}

/**
 * Rebuilds the full-text indexes when they cover too little of the table (LEXICAL_REBUILD_MAX_ROWS says
 * why); otherwise costs one index-statistics read.
 */
async function keepLexicalIndexAhead(table: lancedb.Table): Promise<void> {
  const stats = await Promise.all(FTS_COLUMNS.map((column) => table.indexStats(`${column}_idx`)));
  const behind = stats.some(
    (s) =>
      s === undefined ||
      (s.numUnindexedRows > 0 &&
        (s.numIndexedRows + s.numUnindexedRows <= LEXICAL_REBUILD_MAX_ROWS || s.numUnindexedRows > s.numIndexedRows)),
  );
  if (!behind) return;
  for (const column of FTS_COLUMNS)
    await table.createIndex(column, { config: lancedb.Index.fts(), replace: true, name: `${column}_idx` });
}

function toHits(rows: Row[]): SearchHit[] {
  return rows.map((row) => ({
    chunk: fromRow(row),
    score: typeof row._score === 'number' ? row._score : 1 - (row._distance as number),
    snippet: '',
  }));
}
