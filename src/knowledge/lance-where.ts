import type { Channel } from '../messaging/addresses';
import type { SearchFilters, SearchScope, SourceKind } from './types';

/**
 * SQL predicates for LanceDB's `where` (DataFusion SQL) built from scopes and filters. Every value is
 * a quoted string literal with its quotes doubled — the only escape standard SQL string literals have
 * (a backslash is an ordinary character there) — so no user input is ever read as SQL. Column names
 * are fixed here and quoted with backticks, as the columns are camelCase.
 */

/** The chunk table's scalar columns a predicate may name. */
export type ChunkColumn =
  | 'key'
  | 'id'
  | 'accountSid'
  | 'customerId'
  | 'knowledgeBaseId'
  | 'documentId'
  | 'documentVersion'
  | 'channel'
  | 'kind'
  | 'at';

function sqlString(value: string): string {
  // NUL cannot appear in a literal the SQL parser accepts; no real id or name contains one.
  if (value.includes('\0')) throw new RangeError('a filter value cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

const column = (name: ChunkColumn): string => `\`${name}\``;

export function equals(name: ChunkColumn, value: string): string {
  return `${column(name)} = ${sqlString(value)}`;
}

export function notEquals(name: ChunkColumn, value: string): string {
  // A NULL column never equals anything, so it must be kept explicitly.
  return `(${column(name)} IS NULL OR ${column(name)} <> ${sqlString(value)})`;
}

export function isIn(name: ChunkColumn, values: readonly string[]): string {
  if (values.length === 0) return 'FALSE';
  return `${column(name)} IN (${[...new Set(values)].map(sqlString).join(', ')})`;
}

export const and = (parts: string[]): string => parts.map((p) => `(${p})`).join(' AND ');
const or = (parts: string[]): string => parts.map((p) => `(${p})`).join(' OR ');

/** `at` is stored as UTC ISO 8601 with milliseconds, so comparing strings compares instants. */
export function normalizeInstant(value: string, what: string): string {
  const time = Date.parse(value);
  if (!Number.isFinite(time))
    throw new RangeError(`${what} must be an ISO 8601 date-time (got ${JSON.stringify(value)})`);
  return new Date(time).toISOString();
}

/**
 * Who may see what (types.ts, SearchScope): always one account; within it, document chunks of the
 * listed knowledge bases and conversation chunks of the listed customers — an absent list is "none",
 * only `allKnowledgeBases` / `allCustomers` mean all. Undefined: the scope admits nothing.
 */
function scopePredicate(scope: SearchScope): string | undefined {
  if (typeof scope.accountSid !== 'string' || scope.accountSid.trim() === '')
    throw new RangeError('a search scope needs an accountSid');
  const kinds: string[] = [];
  if (scope.allKnowledgeBases) kinds.push(equals('kind', 'document'));
  else if (scope.knowledgeBaseIds?.length)
    kinds.push(and([equals('kind', 'document'), isIn('knowledgeBaseId', scope.knowledgeBaseIds)]));
  if (scope.allCustomers) kinds.push(`${column('kind')} <> 'document'`);
  else if (scope.customerIds?.length)
    kinds.push(and([`${column('kind')} <> 'document'`, isIn('customerId', scope.customerIds)]));
  if (kinds.length === 0) return undefined;
  return and([equals('accountSid', scope.accountSid), or(kinds)]);
}

function filterPredicates(filters: SearchFilters = {}): string[] {
  const parts: string[] = [];
  if (filters.channels) parts.push(isIn('channel', filters.channels satisfies Channel[]));
  if (filters.kinds) parts.push(isIn('kind', filters.kinds satisfies SourceKind[]));
  if (filters.from) parts.push(`${column('at')} >= ${sqlString(normalizeInstant(filters.from, 'filters.from'))}`);
  if (filters.to) parts.push(`${column('at')} <= ${sqlString(normalizeInstant(filters.to, 'filters.to'))}`);
  return parts;
}

/** The whole `where` of a search, or undefined when the scope admits nothing. */
export function searchPredicate(scope: SearchScope, filters?: SearchFilters): string | undefined {
  const inScope = scopePredicate(scope);
  return inScope === undefined ? undefined : and([inScope, ...filterPredicates(filters)]);
}
