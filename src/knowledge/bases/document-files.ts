import { GridFSBucket, ObjectId, type Db } from 'mongodb';

const BUCKET = 'knowledge_files';

/** Who a stored file belongs to (its GridFS metadata): deletions find the files by these. */
interface FileOwner {
  accountSid: string;
  knowledgeBaseId: string;
  documentId: string;
}

/**
 * Uploaded documents' bytes in GridFS (`knowledge_files.files` / `.chunks`), so a workflow carries
 * only ids and no document comes near MongoDB's 16 MiB limit.
 */
export class DocumentFiles {
  private readonly bucket: GridFSBucket;

  constructor(db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: BUCKET });
  }

  /** Stores the bytes; returns the file's id. */
  async save(owner: FileOwner, filename: string, bytes: Buffer, contentType: string): Promise<string> {
    const id = new ObjectId();
    await new Promise<void>((resolve, reject) => {
      const stream = this.bucket.openUploadStreamWithId(id, filename, { metadata: { ...owner, contentType } });
      stream.once('error', reject);
      stream.once('finish', () => resolve());
      stream.end(bytes);
    });
    return id.toHexString();
  }

  /** The bytes, or undefined when the file is gone. */
  async read(fileId: string): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.bucket.openDownloadStream(new ObjectId(fileId))) chunks.push(chunk as Buffer);
    } catch {
      return undefined;
    }
    return Buffer.concat(chunks);
  }

  /** Deletes one file; one already gone is fine. */
  async delete(fileId: string): Promise<void> {
    await this.bucket.delete(new ObjectId(fileId)).catch(() => undefined);
  }

  /** Deletes a document's files except `keep` (older uploads replaced since); returns how many went. */
  async deleteOfDocument(documentId: string, keep?: string): Promise<number> {
    const files = await this.bucket.find({ 'metadata.documentId': documentId }, { projection: { _id: 1 } }).toArray();
    const gone = files.filter((f) => f._id.toHexString() !== keep);
    for (const file of gone) await this.bucket.delete(file._id).catch(() => undefined);
    return gone.length;
  }
}
