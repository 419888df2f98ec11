import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import type { Channel } from '../messaging/addresses';
import { normalizeInstant } from './lance-where';
import type { Chunk, ChunkSource, IndexedChunk } from './types';

/**
 * The chunk table's layout and the conversion between chunks and its rows. Scalar columns are what
 * searches filter on; `source` keeps the whole citation as JSON; `vector` exists only in stores
 * written with an embedding provider, and the provider's name rides on that field's metadata so a
 * store embedded by another model is noticed instead of silently compared against. `key` is the
 * account-qualified id an upsert merges on (one indexed column: see lance-index.ts).
 */

const VECTOR_COLUMN = 'vector';
export const KEY_COLUMN = 'key';
/** Cannot occur in an accountSid (toRow refuses it), so `accountSid/id` never collides across accounts. */
const KEY_SEPARATOR = '/';

/** The row key: unique per account and id, whatever characters the id holds. */
export function rowKey(accountSid: string, id: string): string {
  return `${accountSid}${KEY_SEPARATOR}${id}`;
}

/** The same key as a SQL expression over a row's columns (fills the column in stores written before it existed). */
export const ROW_KEY_SQL = `concat(\`accountSid\`, '${KEY_SEPARATOR}', \`id\`)`;

const EMBEDDING_METADATA_KEY = 'beluga.embedding';

export interface EmbeddingSpec {
  name: string;
  dimensions: number;
}

export function vectorField(embedding: EmbeddingSpec): Field {
  return new Field(
    VECTOR_COLUMN,
    new FixedSizeList(embedding.dimensions, new Field('item', new Float32(), true)),
    true,
    new Map([[EMBEDDING_METADATA_KEY, embedding.name]]),
  );
}

export function chunkSchema(embedding: EmbeddingSpec | undefined): Schema {
  const text = (name: string, nullable: boolean) => new Field(name, new Utf8(), nullable);
  return new Schema([
    text(KEY_COLUMN, false),
    text('id', false),
    text('accountSid', false),
    text('customerId', true),
    text('knowledgeBaseId', true),
    text('documentId', true),
    text('documentVersion', true),
    text('channel', true),
    text('kind', false),
    text('at', false),
    text('title', false),
    text('text', false),
    text('source', false),
    ...(embedding ? [vectorField(embedding)] : []),
  ]);
}

/** Columns a search returns (never the vector: it is large and no caller needs it back). */
export const RESULT_COLUMNS = [
  'id',
  'accountSid',
  'customerId',
  'knowledgeBaseId',
  'documentId',
  'documentVersion',
  'channel',
  'title',
  'text',
  'source',
  'at',
];

/** What the store holds about embeddings: none (lexical only) or a vector column of some model. */
export function storedEmbedding(schema: Schema): EmbeddingSpec | undefined {
  const field = schema.fields.find((f) => f.name === VECTOR_COLUMN);
  if (!field) return undefined;
  const type = field.type as FixedSizeList;
  return { name: field.metadata.get(EMBEDDING_METADATA_KEY) ?? 'unknown', dimensions: type.listSize };
}

export type ChunkRow = Record<string, string | number[] | Float32Array | null>;

const SOURCE_KINDS = new Set(['call', 'message', 'voice_note', 'image', 'document']);

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new RangeError(`${what} must be a non-empty string`);
  return value;
}

/**
 * Validates a chunk and turns it into a row. `dimensions`: the configured provider's (undefined: chunks
 * must carry no vector); `hasVectorColumn`: whether the table has one (its value is then null when absent).
 */
export function toRow(chunk: IndexedChunk, dimensions: number | undefined, hasVectorColumn: boolean): ChunkRow {
  const id = requireText(chunk.id, 'chunk.id');
  const what = `chunk ${JSON.stringify(id)}`;
  requireText(chunk.accountSid, `${what}: accountSid`);
  if (chunk.accountSid.includes(KEY_SEPARATOR))
    throw new RangeError(`${what}: accountSid cannot contain "${KEY_SEPARATOR}"`);
  if (typeof chunk.text !== 'string') throw new RangeError(`${what}: text must be a string`);
  if (typeof chunk.title !== 'string') throw new RangeError(`${what}: title must be a string`);
  if (!chunk.source || !SOURCE_KINDS.has(chunk.source.kind))
    throw new RangeError(`${what}: source.kind must be one of ${[...SOURCE_KINDS].join(', ')}`);
  if (chunk.source.kind === 'document' ? !chunk.knowledgeBaseId || chunk.customerId : !chunk.customerId)
    throw new RangeError(
      `${what}: a document chunk needs a knowledgeBaseId and no customerId; a conversation chunk needs a customerId`,
    );
  let vector: Float32Array | null = null;
  if (chunk.vector !== undefined) {
    if (dimensions === undefined)
      throw new RangeError(`${what}: has a vector but this store was opened without an embedding provider`);
    if (!(chunk.vector instanceof Float32Array) || chunk.vector.length !== dimensions)
      throw new RangeError(`${what}: vector must be a Float32Array of ${dimensions} numbers`);
    vector = chunk.vector;
  }
  const row: ChunkRow = {
    [KEY_COLUMN]: rowKey(chunk.accountSid, id),
    id,
    accountSid: chunk.accountSid,
    customerId: chunk.customerId ?? null,
    knowledgeBaseId: chunk.knowledgeBaseId ?? null,
    documentId: chunk.documentId ?? null,
    documentVersion: chunk.documentVersion ?? null,
    channel: chunk.channel ?? null,
    kind: chunk.source.kind,
    at: normalizeInstant(chunk.at, `${what}: at`),
    title: chunk.title,
    text: chunk.text,
    source: JSON.stringify(chunk.source),
  };
  if (hasVectorColumn) row[VECTOR_COLUMN] = vector ? Array.from(vector) : null;
  return row;
}

export function fromRow(row: Record<string, unknown>): Chunk {
  const optional = (name: string): string | undefined => (typeof row[name] === 'string' ? row[name] : undefined);
  const chunk: Chunk = {
    id: row.id as string,
    accountSid: row.accountSid as string,
    text: row.text as string,
    title: row.title as string,
    source: JSON.parse(row.source as string) as ChunkSource,
    at: row.at as string,
  };
  const customerId = optional('customerId');
  if (customerId !== undefined) chunk.customerId = customerId;
  const knowledgeBaseId = optional('knowledgeBaseId');
  if (knowledgeBaseId !== undefined) chunk.knowledgeBaseId = knowledgeBaseId;
  const documentId = optional('documentId');
  if (documentId !== undefined) chunk.documentId = documentId;
  const documentVersion = optional('documentVersion');
  if (documentVersion !== undefined) chunk.documentVersion = documentVersion;
  const channel = optional('channel');
  if (channel !== undefined) chunk.channel = channel as Channel;
  return chunk;
}
