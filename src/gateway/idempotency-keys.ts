import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import type { Logger } from '../observability/logger';

/** Letters, digits and `. _ : -`, 1–100 of them (a UUID fits). */
const KEY_FORMAT = /^[A-Za-z0-9._:-]{1,100}$/;
/** How long a key's answer is kept: a client retrying within a day gets the same answer. */
const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a request in progress holds its key against a second one. Longer than the slowest
 * operator route (placing a call: its workflow may take two minutes); a key whose request died
 * with its gateway is free again after it.
 */
const IN_PROGRESS_LEASE_MS = 3 * 60 * 1000;

interface KeyDoc {
  _id: string;
  fingerprint: string;
  state: 'in-progress' | 'done';
  leaseUntil: Date;
  expiresAt: Date;
  status?: number;
  body?: unknown;
}

/** What a request with a key may do. */
export type KeyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

/**
 * Operator-API idempotency keys and the answers given to them (`api_idempotency_keys`). A key is
 * scoped by the operator's credential, and kept for a day; an expired one is taken over by the
 * next request that uses it.
 */
export class IdempotencyKeyStore {
  private readonly keys: Collection<KeyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<KeyDoc>('api_idempotency_keys');
  }

  /** Takes the key for a request with this fingerprint, or says why not. */
  async claim(id: string, fingerprint: string, now = new Date()): Promise<KeyClaim> {
    const fresh: KeyDoc = {
      _id: id,
      fingerprint,
      state: 'in-progress',
      leaseUntil: new Date(now.getTime() + IN_PROGRESS_LEASE_MS),
      expiresAt: new Date(now.getTime() + KEY_TTL_MS),
    };
    try {
      await this.keys.insertOne(fresh);
      return { kind: 'claimed' };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await this.keys.findOne({ _id: id });
    if (!held) return this.claim(id, fingerprint, now);
    const expired = held.expiresAt <= now;
    if (!expired && held.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (!expired && held.state === 'done') return { kind: 'replay', status: held.status ?? 200, body: held.body };
    if (!expired && held.leaseUntil > now) return { kind: 'in-progress' };
    // Expired, or its request died: taken over only if nobody took it over first.
    const taken = await this.keys.replaceOne({ _id: id, leaseUntil: held.leaseUntil, state: held.state }, fresh);
    return taken.modifiedCount === 1 ? { kind: 'claimed' } : { kind: 'in-progress' };
  }

  /** The answer given under the key: repeated to every later request with it. */
  async complete(id: string, status: number, body: unknown): Promise<void> {
    await this.keys.updateOne({ _id: id }, { $set: { state: 'done', status, body } });
  }

  /** Frees the key (the request failed on our side): a retry with it runs again. */
  async release(id: string): Promise<void> {
    await this.keys.deleteOne({ _id: id, state: 'in-progress' });
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The key's id in the store: scoped by the credential the operator presented (never stored itself)
 * and by who they are (a session's requests carry no credential header).
 */
function scopedKeyId(req: Request, res: Response, key: string): string {
  const credential = req.header('x-api-key') ?? req.header('authorization') ?? '';
  const who = (res.locals.principal as { operatorId?: string } | undefined)?.operatorId ?? '';
  return `${sha256(`${who}\u0000${credential}`).slice(0, 16)}:${key}`;
}

/** The operator key of this request (`res.locals`), for routes that derive a workflow id from it. */
export function requestIdempotencyKey(res: Response): string | undefined {
  const key: unknown = res.locals.idempotencyKey;
  return typeof key === 'string' ? key : undefined;
}

/**
 * `Idempotency-Key` on the operator API's changing requests (POST, PUT, PATCH, DELETE): the same
 * key with the same request gets the same answer without acting again; with another request it is
 * refused (422); while the first is still running, 409. Answers of 5xx are not kept (the retry
 * runs again; routes whose effect must not repeat also derive their workflow id from the key).
 * Runs after authentication and JSON parsing.
 */
export function idempotencyKeys(store: IdempotencyKeyStore, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const key = req.header('idempotency-key');
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    if (!KEY_FORMAT.test(key)) {
      res.status(400).json({ error: 'Idempotency-Key: 1-100 characters of letters, digits, . _ : -' });
      return;
    }
    const id = scopedKeyId(req, res, key);
    const fingerprint = sha256(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`);
    store
      .claim(id, fingerprint)
      .then((claim) => {
        if (claim.kind === 'mismatch') {
          res.status(422).json({
            error:
              'Idempotency-Key was already used with a different request (method, path or body): use a new key for a new request',
          });
          return;
        }
        if (claim.kind === 'in-progress') {
          res.setHeader('retry-after', '5');
          res.status(409).json({ error: 'a request with this Idempotency-Key is still in progress: retry later' });
          return;
        }
        if (claim.kind === 'replay') {
          res.setHeader('idempotent-replayed', 'true');
          res.status(claim.status).json(claim.body);
          return;
        }
        res.locals.idempotencyKey = key;
        let settled = false;
        const settle = (keep: boolean, status: number, body: unknown): Promise<void> => {
          if (settled) return Promise.resolve();
          settled = true;
          return (keep ? store.complete(id, status, body) : store.release(id)).catch((error: unknown) =>
            log.warn({ err: error, path: req.path }, 'could not record the answer to an Idempotency-Key'),
          );
        };
        // A JSON answer is recorded before it is sent: a client that got it and retries gets it again.
        const json = res.json.bind(res);
        res.json = (value: unknown) => {
          void settle(res.statusCode < 500, res.statusCode, value).then(() => json(value));
          return res;
        };
        res.on('finish', () => void settle(res.statusCode < 500, res.statusCode, null));
        res.on('close', () => void settle(false, res.statusCode, null));
        next();
      })
      .catch(next);
  };
}
