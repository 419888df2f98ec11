import type { Channel } from '../messaging/addresses';

/**
 * The knowledge layer's shared vocabulary: what is indexed (chunks and where they came from), how it is
 * searched (queries with filters, ranked hits), and the two ports the rest of the system depends on —
 * the chunk index (LanceDB, see lance-index.ts) and the embedding provider (Voyage, see embeddings/).
 */

/** What a chunk was cut from. */
export type SourceKind = 'call' | 'message' | 'voice_note' | 'image' | 'document';

/** Where a chunk came from, precisely enough to cite it. */
export type ChunkSource =
  /** One turn of a call's transcript (what was said and, for the agent, heard). */
  | { kind: 'call'; callSid: string; turnId: string; speaker: 'caller' | 'agent'; at: string }
  /** A text message (either direction). */
  | { kind: 'message'; messageId: string; twilioSid?: string; direction: 'inbound' | 'outbound'; at: string }
  /** The transcript of a voice note attached to a message. */
  | { kind: 'voice_note'; messageId: string; mediaIndex: number; at: string }
  /** The model's description of an inbound image. */
  | { kind: 'image'; messageId: string; mediaIndex: number; at: string }
  /** A part of a knowledge-base document; `page` for PDFs, `section` the heading it sits under. */
  | {
      kind: 'document';
      knowledgeBaseId: string;
      documentId: string;
      title: string;
      page?: number;
      section?: string;
      position: number;
    };

/** One indexed piece of text. Conversation chunks carry their customer; document chunks their knowledge base. */
export interface Chunk {
  /** Stable and unique: the same source indexed twice has the same id (indexing is idempotent). */
  id: string;
  accountSid: string;
  /** Conversation chunks only: whose history it is. Never set on document chunks. */
  customerId?: string;
  /** Document chunks only. */
  knowledgeBaseId?: string;
  /** Document chunks only: which document and which ingestion of it (replacing a document swaps versions). */
  documentId?: string;
  documentVersion?: string;
  channel?: Channel;
  text: string;
  /** Heading, document title, or e.g. "Call with +1415… on 2026-11-02" — shown with the snippet and searched. */
  title: string;
  source: ChunkSource;
  /** When what it says was said or written (ISO 8601); documents: when ingested. */
  at: string;
}

/** A chunk with its embedding, as written to the index (`vector` absent when no embedding provider is configured). */
export interface IndexedChunk extends Chunk {
  vector?: Float32Array;
}

/**
 * Who may see what. `accountSid` is mandatory: no search ever crosses accounts. Within the account, a
 * hit is either a document chunk of one of `knowledgeBaseIds`, or a conversation chunk of one of
 * `customerIds`; leaving one of these out means "none of that kind", not "all" — except for operator
 * searches, which set `allCustomers` / `allKnowledgeBases` explicitly.
 */
export interface SearchScope {
  accountSid: string;
  knowledgeBaseIds?: string[];
  allKnowledgeBases?: boolean;
  customerIds?: string[];
  allCustomers?: boolean;
}

export interface SearchFilters {
  channels?: Channel[];
  kinds?: SourceKind[];
  /** ISO 8601 bounds on `at`, inclusive. */
  from?: string;
  to?: string;
}

export type SearchMode = 'hybrid' | 'lexical' | 'vector';

export interface SearchQuery {
  text: string;
  scope: SearchScope;
  filters?: SearchFilters;
  /** Defaults to 5. */
  limit?: number;
  /** Defaults to hybrid when an embedding provider is configured, else lexical. */
  mode?: SearchMode;
}

export interface SearchHit {
  chunk: Chunk;
  /** Fused rank score (higher is better); comparable only within one result list. */
  score: number;
  /** The chunk text around the query's words, for display. */
  snippet: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** What actually ran: `lexical` when no embedding provider is configured or it failed (then `degraded` says why). */
  mode: SearchMode;
  degraded?: string;
  tookMs: number;
}

/** Turns text into vectors. `input` distinguishes indexed passages from queries (Voyage's `input_type`). */
export interface EmbeddingProvider {
  /** e.g. `voyage:voyage-3.5-lite`; stored with the index so a model change is noticed. */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[], input: 'document' | 'query'): Promise<Float32Array[]>;
}

/** The chunk index: written by indexing activities, read by search. */
export interface ChunkIndex {
  /** Adds or replaces chunks by id. */
  upsert(chunks: IndexedChunk[]): Promise<void>;
  /** Removes every chunk matching: used to forget a customer, delete a document or a knowledge base. */
  remove(match: {
    accountSid: string;
    customerId?: string;
    documentId?: string;
    knowledgeBaseId?: string;
    /** Keep this version of `documentId` (replace = upsert the new version, then remove the others). */
    exceptDocumentVersion?: string;
    ids?: string[];
  }): Promise<number>;
  search(query: SearchQuery, vector: Float32Array | undefined, mode: SearchMode): Promise<SearchHit[]>;
  count(match?: { accountSid?: string }): Promise<number>;
  /** Compacts small writes and refreshes the lexical and vector indexes. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
