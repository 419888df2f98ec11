import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

type DocumentStatus = 'queued' | 'ingesting' | 'ready' | 'failed' | 'deleting';

/** Why the latest ingestion failed: a DocumentError code (`empty`, `unsupported_type`…) or `ingestion_failed`. */
export interface IngestionFailure {
  code: string;
  message: string;
}

/** A document of a knowledge base as the operator API shows it. */
export interface KnowledgeDocument {
  id: string;
  knowledgeBaseId: string;
  accountSid: string;
  title: string;
  source: 'upload' | 'url';
  /** URL documents: where it is fetched from. */
  url?: string;
  /** URL documents: fetched again this often (seconds); absent = fetched once (and on refresh). */
  refreshEvery?: number;
  /** Uploads: the file name given with the upload, if any. */
  filename?: string;
  /** Of the content last ingested (uploads: as validated, until their first ingestion). */
  contentType: string;
  bytes: number;
  contentHash: string;
  status: DocumentStatus;
  error?: IngestionFailure;
  /** Chunks of the searchable version (0 before the first successful ingestion). */
  chunkCount: number;
  /** How many times its content was (re)indexed; 0 until the first ingestion succeeds. */
  version: number;
  ingestedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** How a document is stored: the operator's view plus what ingestion needs. */
interface DocumentDoc extends Omit<KnowledgeDocument, 'id'> {
  _id: string;
  /** Uploads: the GridFS file holding the bytes to ingest (the latest upload). */
  blobId?: string;
  /** The `documentVersion` of the chunks search may return; absent until the first ingestion succeeds. */
  currentVersion?: string;
  /** The operator gave no title: each ingestion takes the content's own (or keeps the file name / URL). */
  autoTitle?: boolean;
}

/** What an ingestion works from. */
export interface DocumentForIngestion {
  id: string;
  accountSid: string;
  knowledgeBaseId: string;
  title: string;
  source: 'upload' | 'url';
  url?: string;
  refreshEvery?: number;
  filename?: string;
  blobId?: string;
  contentHash: string;
  currentVersion?: string;
  autoTitle: boolean;
  status: DocumentStatus;
}

export function newDocumentId(): string {
  return `doc_${randomBytes(8).toString('hex')}`;
}

function toDocument({
  _id,
  blobId: _blob,
  currentVersion: _version,
  autoTitle: _auto,
  ...rest
}: DocumentDoc): KnowledgeDocument {
  return { id: _id, ...rest };
}

/** Reads that must not see a document being deleted. */
const LIVE = { status: { $ne: 'deleting' as const } };

/**
 * Documents of knowledge bases (`knowledge_documents`). The status is the ingestion's, but the
 * version search may return is `currentVersion`, switched only when a new version is fully
 * indexed (`activate`): a document being re-ingested, or whose re-ingestion failed, stays
 * searchable as it was; one being deleted is not searchable at all (see visible-hits.ts).
 */
export class DocumentStore {
  private readonly documents: Collection<DocumentDoc>;

  constructor(db: Db) {
    this.documents = db.collection<DocumentDoc>('knowledge_documents');
  }

  async ensureIndexes(): Promise<void> {
    await this.documents.createIndex({ knowledgeBaseId: 1, createdAt: 1 });
    await this.documents.createIndex({ accountSid: 1 });
  }

  async create(input: {
    id: string;
    knowledgeBaseId: string;
    accountSid: string;
    title: string;
    autoTitle: boolean;
    source: 'upload' | 'url';
    url?: string;
    refreshEvery?: number;
    filename?: string;
    blobId?: string;
    contentType?: string;
    bytes?: number;
    contentHash?: string;
  }): Promise<KnowledgeDocument> {
    const now = new Date();
    const { id, ...fields } = input;
    const doc: DocumentDoc = {
      _id: id,
      ...fields,
      contentType: input.contentType ?? '',
      bytes: input.bytes ?? 0,
      contentHash: input.contentHash ?? '',
      status: 'queued',
      chunkCount: 0,
      version: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.documents.insertOne(doc);
    return toDocument(doc);
  }

  /** The account's document in that base, unless it is being deleted. */
  async get(accountSid: string, knowledgeBaseId: string, id: string): Promise<KnowledgeDocument | undefined> {
    const doc = await this.documents.findOne({ _id: id, accountSid, knowledgeBaseId, ...LIVE });
    return doc ? toDocument(doc) : undefined;
  }

  /** Oldest first. */
  async list(accountSid: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]> {
    const docs = await this.documents
      .find({ accountSid, knowledgeBaseId, ...LIVE })
      .sort({ createdAt: 1 })
      .toArray();
    return docs.map(toDocument);
  }

  /** Everything an ingestion or a deletion needs, whatever the status; undefined once removed. */
  async forIngestion(id: string): Promise<DocumentForIngestion | undefined> {
    const doc = await this.documents.findOne({ _id: id });
    if (!doc) return undefined;
    return {
      id: doc._id,
      accountSid: doc.accountSid,
      knowledgeBaseId: doc.knowledgeBaseId,
      title: doc.title,
      source: doc.source,
      ...(doc.url !== undefined ? { url: doc.url } : {}),
      ...(doc.refreshEvery !== undefined ? { refreshEvery: doc.refreshEvery } : {}),
      ...(doc.filename !== undefined ? { filename: doc.filename } : {}),
      ...(doc.blobId !== undefined ? { blobId: doc.blobId } : {}),
      contentHash: doc.contentHash,
      ...(doc.currentVersion !== undefined ? { currentVersion: doc.currentVersion } : {}),
      autoTitle: doc.autoTitle === true,
      status: doc.status,
    };
  }

  /** New bytes for an uploaded document: queued for ingestion. Returns the blob they replace, or false if it is gone. */
  async replaceUpload(
    id: string,
    upload: { blobId: string; filename?: string; title?: string },
  ): Promise<{ previousBlobId?: string } | false> {
    const previous = await this.documents.findOneAndUpdate(
      { _id: id, source: 'upload', ...LIVE },
      {
        $set: {
          blobId: upload.blobId,
          status: 'queued',
          updatedAt: new Date(),
          ...(upload.filename !== undefined ? { filename: upload.filename } : {}),
          // A title given now is kept from now on; without one, the document keeps its way of naming.
          ...(upload.title !== undefined ? { title: upload.title, autoTitle: false } : {}),
        },
      },
    );
    if (!previous) return false;
    return previous.blobId !== undefined ? { previousBlobId: previous.blobId } : {};
  }

  /** Queued again (a refresh was asked for). False when it is gone or being deleted. */
  async requeue(id: string): Promise<boolean> {
    const result = await this.documents.updateOne(
      { _id: id, ...LIVE },
      { $set: { status: 'queued', updatedAt: new Date() } },
    );
    return result.matchedCount === 1;
  }

  /** An ingestion has begun. False when the document is gone or being deleted (then nothing is to be indexed). */
  async markIngesting(id: string): Promise<boolean> {
    const result = await this.documents.updateOne(
      { _id: id, ...LIVE },
      { $set: { status: 'ingesting', updatedAt: new Date() } },
    );
    return result.matchedCount === 1;
  }

  /**
   * Makes a fully indexed version the one search returns, in one write. False when the document is
   * gone or being deleted meanwhile: then the caller removes what it indexed.
   */
  async activate(
    id: string,
    version: {
      documentVersion: string;
      contentHash: string;
      contentType: string;
      bytes: number;
      chunkCount: number;
      /** Replaces the title only when the operator gave none (the content's own title, or the URL). */
      title?: string;
    },
  ): Promise<boolean> {
    const now = new Date();
    // Once per version: a retried activation finds its version current and counts it only once.
    const result = await this.documents.updateOne(
      { _id: id, ...LIVE, currentVersion: { $ne: version.documentVersion } },
      {
        $set: {
          status: 'ready',
          currentVersion: version.documentVersion,
          contentHash: version.contentHash,
          contentType: version.contentType,
          bytes: version.bytes,
          chunkCount: version.chunkCount,
          ...(version.title !== undefined ? { title: version.title } : {}),
          ingestedAt: now,
          updatedAt: now,
        },
        $inc: { version: 1 },
        $unset: { error: '' },
      },
    );
    if (result.matchedCount === 1) return true;
    return (await this.documents.countDocuments({ _id: id, ...LIVE, currentVersion: version.documentVersion })) === 1;
  }

  /** The content is what is indexed already: ready again, nothing re-indexed. */
  async markUnchanged(id: string): Promise<void> {
    await this.documents.updateOne(
      { _id: id, ...LIVE },
      { $set: { status: 'ready', updatedAt: new Date() }, $unset: { error: '' } },
    );
  }

  /** The ingestion failed for good; a version indexed before stays searchable. */
  async markFailed(id: string, error: IngestionFailure): Promise<void> {
    await this.documents.updateOne({ _id: id, ...LIVE }, { $set: { status: 'failed', error, updatedAt: new Date() } });
  }

  /** Starts a document's deletion: invisible to reads and search from now on. False when there was nothing to delete. */
  async markDeleting(accountSid: string, knowledgeBaseId: string, id: string): Promise<boolean> {
    const result = await this.documents.updateOne(
      { _id: id, accountSid, knowledgeBaseId, ...LIVE },
      { $set: { status: 'deleting', updatedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  /** Starts the deletion of every document of a base (the base itself is being deleted). */
  async markBaseDeleting(knowledgeBaseId: string): Promise<void> {
    await this.documents.updateMany(
      { knowledgeBaseId, ...LIVE },
      { $set: { status: 'deleting', updatedAt: new Date() } },
    );
  }

  /** Ids of every document of a base, whatever their status. */
  async idsInBase(knowledgeBaseId: string): Promise<string[]> {
    const docs = await this.documents.find({ knowledgeBaseId }, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  /** For each of `ids` that search may show, the version it may show (documents being deleted have none). */
  async searchableVersions(ids: string[]): Promise<Map<string, string>> {
    const docs = await this.documents
      .find({ _id: { $in: ids }, ...LIVE, currentVersion: { $exists: true } }, { projection: { currentVersion: 1 } })
      .toArray();
    return new Map(docs.map((d) => [d._id, d.currentVersion!]));
  }

  /** Ends a deletion (its chunks and bytes are gone). Idempotent. */
  async remove(id: string): Promise<void> {
    await this.documents.deleteOne({ _id: id });
  }
}
