import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import { hashPassword, newSecret, secretHash } from './secrets';

export type OperatorRole = 'admin' | 'agent';

/** A person who signs in to the console or calls the operator API with their own key. */
export interface Operator {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  /** The accounts they see: `all`, or a list of account sids. */
  accounts: 'all' | string[];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  createdAt: Date;
  revokedAt?: Date;
}

interface OperatorDoc {
  _id: string;
  email: string;
  name: string;
  role: OperatorRole;
  accounts: 'all' | string[];
  /** scrypt hash (src/operators/secrets.ts); absent for an operator who only uses API keys. */
  passwordHash?: string;
  disabled?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** One per email in use (`_id` = the email, lower case): an insert makes an email unique without relying on an index. */
interface EmailClaim {
  _id: string;
  operatorId: string;
}

interface ApiKeyDoc {
  /** SHA-256 of the key (the key itself is shown once and never stored). */
  _id: string;
  keyId: string;
  operatorId: string;
  name: string;
  createdAt: Date;
  revokedAt?: Date;
}

interface SessionDoc {
  /** SHA-256 of the session token (the cookie's value). */
  _id: string;
  /** An operator's id, or `root` for a session opened with the deployment's key. */
  operatorId: string;
  /** For `root`: hash of the key it was opened with (a rotated key ends its sessions). */
  rootKeyHash?: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface StoredSession {
  operatorId: string;
  rootKeyHash?: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface NewOperator {
  email: string;
  name: string;
  role: OperatorRole;
  accounts: 'all' | string[];
  password?: string;
}

export type OperatorPatch = Partial<NewOperator> & { disabled?: boolean };

/** Prefix of operator API keys: recognizable by people and secret scanners. */
export const API_KEY_PREFIX = 'bop_';

const emailKey = (email: string) => email.trim().toLowerCase();

function toOperator(doc: OperatorDoc): Operator {
  return {
    id: doc._id,
    email: doc.email,
    name: doc.name,
    role: doc.role,
    accounts: doc.accounts,
    disabled: doc.disabled === true,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/**
 * Operators (`operators`, emails claimed in `operator_emails`), their API keys (`operator_api_keys`,
 * stored as SHA-256 hashes) and console sessions (`operator_sessions`, stored as SHA-256 hashes of the
 * cookie, with `expiresAt`). Passwords are stored only as scrypt hashes.
 */
export class OperatorStore {
  private readonly operators: Collection<OperatorDoc>;
  private readonly emails: Collection<EmailClaim>;
  private readonly keys: Collection<ApiKeyDoc>;
  private readonly sessions: Collection<SessionDoc>;

  constructor(db: Db) {
    this.operators = db.collection<OperatorDoc>('operators');
    this.emails = db.collection<EmailClaim>('operator_emails');
    this.keys = db.collection<ApiKeyDoc>('operator_api_keys');
    this.sessions = db.collection<SessionDoc>('operator_sessions');
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([
      this.keys.createIndex({ operatorId: 1 }),
      this.sessions.createIndex({ operatorId: 1 }),
      this.sessions.createIndex({ expiresAt: 1 }),
    ]);
  }

  /** Creates an operator, or answers `email-taken`. */
  async create(input: NewOperator, now = new Date()): Promise<Operator | 'email-taken'> {
    const id = `op_${randomBytes(8).toString('hex')}`;
    const email = emailKey(input.email);
    if (!(await this.claimEmail(email, id))) return 'email-taken';
    const doc: OperatorDoc = {
      _id: id,
      email,
      name: input.name,
      role: input.role,
      accounts: input.accounts,
      ...(input.password !== undefined ? { passwordHash: await hashPassword(input.password) } : {}),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.operators.insertOne(doc);
    } catch (error) {
      await this.emails.deleteOne({ _id: email, operatorId: id });
      throw error;
    }
    return toOperator(doc);
  }

  private async claimEmail(email: string, operatorId: string): Promise<boolean> {
    try {
      await this.emails.insertOne({ _id: email, operatorId });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A claim left by a creation that died half-way does not hold the email forever.
      const held = await this.emails.findOne({ _id: email });
      if (held && !(await this.operators.findOne({ _id: held.operatorId }, { projection: { _id: 1 } }))) {
        await this.emails.deleteOne({ _id: email, operatorId: held.operatorId });
        return this.claimEmail(email, operatorId);
      }
      return false;
    }
  }

  async get(id: string): Promise<Operator | undefined> {
    const doc = await this.operators.findOne({ _id: id });
    return doc ? toOperator(doc) : undefined;
  }

  /** The operator with this email and their password hash (for sign-in only). */
  async withPassword(email: string): Promise<{ operator: Operator; passwordHash?: string } | undefined> {
    const doc = await this.operators.findOne({ email: emailKey(email) });
    if (!doc) return undefined;
    return { operator: toOperator(doc), ...(doc.passwordHash ? { passwordHash: doc.passwordHash } : {}) };
  }

  async list(): Promise<Operator[]> {
    const docs = await this.operators.find({}).sort({ email: 1 }).limit(10_000).toArray();
    return docs.map(toOperator);
  }

  async count(filter: { role?: OperatorRole } = {}): Promise<number> {
    return this.operators.countDocuments(filter.role ? { role: filter.role } : {});
  }

  /** Changes an operator; a new password, role, accounts or disabling ends their sessions. */
  async update(id: string, patch: OperatorPatch, now = new Date()): Promise<Operator | 'email-taken' | undefined> {
    const current = await this.operators.findOne({ _id: id });
    if (!current) return undefined;
    const email = patch.email !== undefined ? emailKey(patch.email) : current.email;
    const newEmail = email !== current.email;
    if (newEmail && !(await this.claimEmail(email, id))) return 'email-taken';
    const set: Partial<OperatorDoc> = {
      updatedAt: now,
      ...(newEmail ? { email } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.accounts !== undefined ? { accounts: patch.accounts } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...(patch.password !== undefined ? { passwordHash: await hashPassword(patch.password) } : {}),
    };
    const updated = await this.operators.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' });
    if (!updated) {
      if (newEmail) await this.emails.deleteOne({ _id: email, operatorId: id });
      return undefined;
    }
    if (newEmail) await this.emails.deleteOne({ _id: current.email, operatorId: id });
    const narrowed =
      patch.password !== undefined ||
      patch.disabled === true ||
      (patch.role !== undefined && patch.role !== current.role) ||
      (patch.accounts !== undefined && JSON.stringify(patch.accounts) !== JSON.stringify(current.accounts));
    if (narrowed) await this.endSessions(id);
    return toOperator(updated);
  }

  /** Removes an operator with their keys and sessions. False when there was none. */
  async remove(id: string): Promise<boolean> {
    const doc = await this.operators.findOneAndDelete({ _id: id });
    if (!doc) return false;
    await Promise.all([
      this.emails.deleteOne({ _id: doc.email, operatorId: id }),
      this.keys.deleteMany({ operatorId: id }),
      this.endSessions(id),
    ]);
    return true;
  }

  /** A new API key for the operator: returned here once, stored only as its hash. */
  async createApiKey(operatorId: string, name: string, now = new Date()): Promise<ApiKeyInfo & { apiKey: string }> {
    const apiKey = `${API_KEY_PREFIX}${newSecret(32)}`;
    const keyId = `key_${randomBytes(6).toString('hex')}`;
    await this.keys.insertOne({ _id: secretHash('api-key', apiKey), keyId, operatorId, name, createdAt: now });
    return { keyId, name, createdAt: now, apiKey };
  }

  async apiKeys(operatorId: string): Promise<ApiKeyInfo[]> {
    const docs = await this.keys.find({ operatorId }).sort({ createdAt: 1 }).toArray();
    return docs.map((d) => ({
      keyId: d.keyId,
      name: d.name,
      createdAt: d.createdAt,
      ...(d.revokedAt ? { revokedAt: d.revokedAt } : {}),
    }));
  }

  /** Revokes a key (kept, marked, for the record). False when the operator has no such key. */
  async revokeApiKey(operatorId: string, keyId: string, now = new Date()): Promise<boolean> {
    const key = await this.keys.findOne({ operatorId, keyId });
    if (!key) return false;
    if (!key.revokedAt) await this.keys.updateOne({ _id: key._id }, { $set: { revokedAt: now } });
    return true;
  }

  /** The enabled operator a live API key belongs to. */
  async byApiKey(apiKey: string): Promise<{ operator: Operator; keyId: string } | undefined> {
    if (!apiKey.startsWith(API_KEY_PREFIX)) return undefined;
    const key = await this.keys.findOne({ _id: secretHash('api-key', apiKey) });
    if (!key || key.revokedAt) return undefined;
    const operator = await this.get(key.operatorId);
    return operator && !operator.disabled ? { operator, keyId: key.keyId } : undefined;
  }

  /** Opens a session; the token goes in the cookie and is stored only as its hash. */
  async createSession(
    operatorId: string,
    ttlMs: number,
    options: { rootKeyHash?: string; now?: Date } = {},
  ): Promise<{ token: string; expiresAt: Date }> {
    const now = options.now ?? new Date();
    const token = newSecret(32);
    const expiresAt = new Date(now.getTime() + ttlMs);
    // Sessions are never read after expiry; dropping the old ones here keeps the collection small.
    await this.sessions.deleteMany({ expiresAt: { $lt: now } });
    await this.sessions.insertOne({
      _id: secretHash('session', token),
      operatorId,
      ...(options.rootKeyHash ? { rootKeyHash: options.rootKeyHash } : {}),
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /** The stored session of a token (expired ones included: the caller decides with the live TTL). */
  async session(token: string): Promise<StoredSession | undefined> {
    const doc = await this.sessions.findOne({ _id: secretHash('session', token) });
    if (!doc) return undefined;
    return {
      operatorId: doc.operatorId,
      createdAt: doc.createdAt,
      expiresAt: doc.expiresAt,
      ...(doc.rootKeyHash ? { rootKeyHash: doc.rootKeyHash } : {}),
    };
  }

  async endSession(token: string): Promise<void> {
    await this.sessions.deleteOne({ _id: secretHash('session', token) });
  }

  async endSessions(operatorId: string): Promise<void> {
    await this.sessions.deleteMany({ operatorId });
  }
}
