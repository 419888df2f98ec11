import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../../storage/duplicate-key';

/** A named collection of documents an account's agents may be given (operator API `/api/knowledge-bases`). */
export interface KnowledgeBase {
  id: string;
  accountSid: string;
  name: string;
  description: string;
  createdAt: Date;
}

interface KnowledgeBaseDoc {
  _id: string;
  accountSid: string;
  name: string;
  /**
   * The name, case-folded, unique per account while the base exists; `deleted:<id>` once its deletion
   * has begun, so the name is free again at once while its chunks are still being removed.
   */
  nameKey: string;
  description: string;
  status: 'active' | 'deleting';
  createdAt: Date;
}

function newKnowledgeBaseId(): string {
  return `kb_${randomBytes(8).toString('hex')}`;
}

function toKnowledgeBase(doc: KnowledgeBaseDoc): KnowledgeBase {
  return {
    id: doc._id,
    accountSid: doc.accountSid,
    name: doc.name,
    description: doc.description,
    createdAt: doc.createdAt,
  };
}

/**
 * Knowledge bases (`knowledge_bases`). A base being deleted is invisible here at once (every read
 * asks for `active`); its documents and chunks are removed by the `delete-knowledge-base-<id>` workflow.
 */
export class KnowledgeBaseStore {
  private readonly bases: Collection<KnowledgeBaseDoc>;

  constructor(db: Db) {
    this.bases = db.collection<KnowledgeBaseDoc>('knowledge_bases');
  }

  async ensureIndexes(): Promise<void> {
    await this.bases.createIndex({ accountSid: 1, nameKey: 1 }, { unique: true });
  }

  /** Creates a base, or answers `name-taken` when the account has one of that name (case-insensitively). */
  async create(input: {
    accountSid: string;
    name: string;
    description: string;
  }): Promise<KnowledgeBase | 'name-taken'> {
    const doc: KnowledgeBaseDoc = {
      _id: newKnowledgeBaseId(),
      accountSid: input.accountSid,
      name: input.name,
      nameKey: input.name.toLowerCase(),
      description: input.description,
      status: 'active',
      createdAt: new Date(),
    };
    try {
      await this.bases.insertOne(doc);
    } catch (error) {
      if (isDuplicateKey(error)) return 'name-taken';
      throw error;
    }
    return toKnowledgeBase(doc);
  }

  /** The account's base, or undefined when it is unknown, another account's, or being deleted. */
  async get(accountSid: string, id: string): Promise<KnowledgeBase | undefined> {
    const doc = await this.bases.findOne({ _id: id, accountSid, status: 'active' });
    return doc ? toKnowledgeBase(doc) : undefined;
  }

  /** The account's base, also while it is being deleted (a repeated deletion finds it). */
  async find(accountSid: string, id: string): Promise<(KnowledgeBase & { deleting: boolean }) | undefined> {
    const doc = await this.bases.findOne({ _id: id, accountSid });
    return doc ? { ...toKnowledgeBase(doc), deleting: doc.status === 'deleting' } : undefined;
  }

  /** The account's bases, by name. */
  async list(accountSid: string): Promise<KnowledgeBase[]> {
    const docs = await this.bases.find({ accountSid, status: 'active' }).sort({ nameKey: 1 }).toArray();
    return docs.map(toKnowledgeBase);
  }

  /** Which of `ids` are the account's existing bases (scopes a search to what still exists). */
  async existing(accountSid: string, ids: string[]): Promise<string[]> {
    const docs = await this.bases
      .find({ _id: { $in: ids }, accountSid, status: 'active' }, { projection: { _id: 1 } })
      .toArray();
    return docs.map((d) => d._id);
  }

  /** Starts a deletion: the base disappears from every read and its name is free. False when there was nothing to delete. */
  async markDeleting(accountSid: string, id: string): Promise<boolean> {
    const result = await this.bases.updateOne(
      { _id: id, accountSid, status: 'active' },
      { $set: { status: 'deleting', nameKey: `deleted:${id}` } },
    );
    return result.modifiedCount === 1;
  }

  /** Ends a deletion (its documents and chunks are gone). Idempotent. */
  async remove(id: string): Promise<void> {
    await this.bases.deleteOne({ _id: id });
  }
}
