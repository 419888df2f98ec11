import { randomBytes } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';

/** One thing an operator did (or tried): recorded once, never changed or removed by the application. */
export interface AuditRecord {
  operatorId: string;
  operatorName: string;
  /** `PUT /api/agents/:id` (method and route pattern), or a named action such as `session.sign_in`. */
  action: string;
  target?: string;
  /** The account acted on, when one was. */
  accountSid?: string;
  /**
   * Which accounts' admins may read the entry: the account acted on, else the operator's accounts;
   * `*` for what concerns every account (the root key, operators of all accounts).
   */
  scope: string[];
  status: number;
  /** How the operator authenticated: an API key or the console's session. */
  via?: 'key' | 'session';
  /** The client's address (as the gateway's trusted proxy reports it). */
  ip?: string;
}

export interface StoredAudit extends AuditRecord {
  id: string;
  at: Date;
}

interface AuditDoc extends AuditRecord {
  _id: string;
  at: Date;
}

export const ALL_ACCOUNTS_SCOPE = '*';

/** A page of entries, newest first; `nextCursor` reads on (older). */
export interface AuditPage {
  entries: StoredAudit[];
  nextCursor?: string;
}

/** `_id`s sort by time: a millisecond timestamp, then randomness (two entries in one millisecond both stay). */
function newAuditId(at: Date): string {
  return `aud_${at.getTime().toString(16).padStart(12, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * The insert-only audit log (`audit_log`): who did what to which account, when, with what outcome.
 * No credential, password or request body is ever put in it.
 */
export class AuditLog {
  private readonly entries: Collection<AuditDoc>;

  constructor(db: Db) {
    this.entries = db.collection<AuditDoc>('audit_log');
  }

  async ensureIndexes(): Promise<void> {
    await this.entries.createIndex({ scope: 1, _id: -1 });
  }

  async record(entry: AuditRecord, at = new Date()): Promise<void> {
    await this.entries.insertOne({ _id: newAuditId(at), at, ...entry });
  }

  /** Entries newest first, limited to the scopes given (`all`: every entry), optionally filtered. */
  async list(options: {
    scopes: 'all' | string[];
    operatorId?: string;
    action?: string;
    accountSid?: string;
    cursor?: string;
    limit: number;
  }): Promise<AuditPage> {
    const filter: Filter<AuditDoc> = {
      ...(options.scopes === 'all' ? {} : { scope: { $in: options.scopes } }),
      ...(options.operatorId ? { operatorId: options.operatorId } : {}),
      ...(options.action ? { action: options.action } : {}),
      ...(options.accountSid ? { accountSid: options.accountSid } : {}),
      ...(options.cursor ? { _id: { $lt: options.cursor } } : {}),
    };
    const docs = await this.entries
      .find(filter)
      .sort({ _id: -1 })
      .limit(options.limit + 1)
      .toArray();
    const page = docs.slice(0, options.limit).map(({ _id, ...rest }) => ({ id: _id, ...rest }));
    const last = page[page.length - 1];
    return { entries: page, ...(docs.length > options.limit && last ? { nextCursor: last.id } : {}) };
  }
}
