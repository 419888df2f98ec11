/**
 * What the agent made of each attachment, stored apart from the message document: one small record
 * per attachment (`message_media`), image bytes in GridFS (`media.files` / `media.chunks`, 255 KiB
 * chunks). Nothing here grows a document with the attachment's size, so no message comes near
 * MongoDB's 16 MiB document limit, and each attachment is saved as soon as it is digested — a
 * retried digestion skips the ones already done.
 */
import { GridFSBucket, ObjectId, type Collection, type Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import type { MediaDigest } from './digest';

/** An image's digest as stored: the bytes are in GridFS under `blobId`. */
type StoredDigest = Exclude<MediaDigest, { kind: 'image' }> | (Omit<ImageDigest, 'base64'> & { blobId?: string });
type ImageDigest = Extract<MediaDigest, { kind: 'image' }>;

interface MediaDoc {
  /** `<messageSid>#<index>`: one record per attachment, the first one saved wins. */
  _id: string;
  messageSid: string;
  customerId: string;
  index: number;
  digest: StoredDigest;
  createdAt: Date;
}

const BUCKET = 'media';

export class MediaStore {
  private readonly records: Collection<MediaDoc>;
  private readonly blobs: GridFSBucket;

  constructor(db: Db) {
    this.records = db.collection<MediaDoc>('message_media');
    this.blobs = new GridFSBucket(db, { bucketName: BUCKET });
  }

  async ensureIndexes(): Promise<void> {
    await this.records.createIndex({ messageSid: 1, index: 1 });
    await this.records.createIndex({ customerId: 1 });
  }

  /**
   * Saves one attachment's digest unless one is saved already (a digestion that outlived its
   * deadline must not replace the "could not be read" the customer was told). Returns whether it was saved.
   */
  async saveOnce(at: { messageSid: string; customerId: string; index: number }, digest: MediaDigest): Promise<boolean> {
    const _id = `${at.messageSid}#${at.index}`;
    if (await this.records.findOne({ _id }, { projection: { _id: 1 } })) return false;
    let stored: StoredDigest;
    let blobId: ObjectId | undefined;
    if (digest.kind === 'image' && digest.base64 !== undefined) {
      blobId = await this.upload(_id, at.customerId, Buffer.from(digest.base64, 'base64'));
      const { base64: _bytes, ...rest } = digest;
      stored = { ...rest, blobId: blobId.toHexString() };
    } else stored = digest;
    try {
      await this.records.insertOne({ _id, ...at, digest: stored, createdAt: new Date() });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another attempt saved this attachment first: its digest stands, this copy's bytes go.
      if (blobId) await this.blobs.delete(blobId).catch(() => undefined);
      return false;
    }
  }

  /**
   * The saved digests of a message by attachment index. Image bytes are read from GridFS only when
   * `withImageBytes` (the model needs them; a progress check does not); without, images have no base64.
   */
  async digestsOf(messageSid: string, options: { withImageBytes: boolean }): Promise<Map<number, MediaDigest>> {
    const docs = await this.records.find({ messageSid }).sort({ index: 1 }).toArray();
    const out = new Map<number, MediaDigest>();
    for (const doc of docs) out.set(doc.index, await this.toDigest(doc.digest, options.withImageBytes));
    return out;
  }

  /**
   * Stores the model's description of an image attachment unless it has one already (the first one
   * written stands, so an image is described once); returns the caption stored, or undefined when
   * there is no such image digest.
   */
  async saveCaption(messageSid: string, index: number, caption: string): Promise<string | undefined> {
    const _id = `${messageSid}#${index}`;
    await this.records.updateOne(
      { _id, 'digest.kind': 'image', 'digest.caption': { $exists: false } },
      { $set: { 'digest.caption': caption } },
    );
    const doc = await this.records.findOne({ _id }, { projection: { digest: 1 } });
    return doc?.digest.kind === 'image' ? doc.digest.caption : undefined;
  }

  /** Deletes a customer's digests and image bytes (forgetting a customer). */
  async forgetCustomer(customerId: string): Promise<number> {
    const files = await this.blobs.find({ 'metadata.customerId': customerId }, { projection: { _id: 1 } }).toArray();
    for (const file of files) await this.blobs.delete(file._id).catch(() => undefined);
    return (await this.records.deleteMany({ customerId })).deletedCount;
  }

  private async upload(filename: string, customerId: string, bytes: Buffer): Promise<ObjectId> {
    const id = new ObjectId();
    await new Promise<void>((resolve, reject) => {
      const stream = this.blobs.openUploadStreamWithId(id, filename, { metadata: { customerId } });
      stream.once('error', reject);
      stream.once('finish', () => resolve());
      stream.end(bytes);
    });
    return id;
  }

  private async toDigest(stored: StoredDigest, withImageBytes: boolean): Promise<MediaDigest> {
    if (stored.kind !== 'image') return stored;
    const { blobId, ...image } = stored;
    if (!withImageBytes || !blobId) return image;
    const bytes = await this.download(new ObjectId(blobId));
    return bytes ? { ...image, base64: bytes.toString('base64') } : image;
  }

  /** The bytes, or undefined when the blob is gone (forgotten meanwhile). */
  private async download(id: ObjectId): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.blobs.openDownloadStream(id)) chunks.push(chunk as Buffer);
    } catch {
      return undefined;
    }
    return Buffer.concat(chunks);
  }
}
