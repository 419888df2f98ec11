import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicate-key';

/** One side effect (a page, a placed call, a transfer) as the ledger knows it. */
export interface SideEffect<R> {
  key: string;
  kind: string;
  /** `intended`: recorded before acting, not yet known to be done; `done`: acted, `result` says how. */
  state: 'intended' | 'done';
  intendedAt: Date;
  doneAt?: Date;
  result?: R;
}

interface SideEffectDoc {
  _id: string;
  kind: string;
  state: 'intended' | 'done';
  intendedAt: Date;
  doneAt?: Date;
  result?: unknown;
}

/**
 * The record of side effects that the provider cannot deduplicate, by idempotency key: the intent
 * is written before acting, the outcome after. An attempt that finds an intent without an outcome
 * knows an earlier attempt may have acted (killed, or its answer lost) and checks with the provider
 * before acting again. Insert-only intents and a single `$set` for the outcome: safe on FerretDB.
 */
export class SideEffectLedger {
  private readonly effects: Collection<SideEffectDoc>;

  constructor(db: Db) {
    this.effects = db.collection<SideEffectDoc>('side_effects');
  }

  /** Records the intent to act under `key`; returns what an earlier attempt left (undefined: this is the first). */
  async intend<R>(key: string, kind: string, now = new Date()): Promise<SideEffect<R> | undefined> {
    try {
      await this.effects.insertOne({ _id: key, kind, state: 'intended', intendedAt: now });
      return undefined;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const earlier = await this.get<R>(key);
    if (!earlier) throw new Error(`side effect ${key}: recorded, but not found again`);
    if (earlier.kind !== kind) throw new Error(`side effect ${key} is a ${earlier.kind}, not a ${kind}`);
    return earlier;
  }

  /** Records that the effect happened, and how (the provider's id). */
  async done<R>(key: string, result: R): Promise<void> {
    await this.effects.updateOne({ _id: key }, { $set: { state: 'done', doneAt: new Date(), result } });
  }

  /** Whether some effect of this kind already recorded `value` at `field` of its result (a provider id it claimed). */
  async claimed(kind: string, field: string, value: string): Promise<boolean> {
    return (await this.effects.findOne({ kind, [`result.${field}`]: value }, { projection: { _id: 1 } })) !== null;
  }

  async get<R>(key: string): Promise<SideEffect<R> | undefined> {
    const doc = await this.effects.findOne({ _id: key });
    if (!doc) return undefined;
    return {
      key: doc._id,
      kind: doc.kind,
      state: doc.state,
      intendedAt: doc.intendedAt,
      ...(doc.doneAt ? { doneAt: doc.doneAt } : {}),
      ...(doc.result !== undefined ? { result: doc.result as R } : {}),
    };
  }
}

/** How to act once: what counts as an earlier attempt's effect, and the act itself. */
export interface ActOnceSteps<R> {
  /** Whether an earlier attempt (recorded at `since`) acted although it did not record it; undefined: it did not. */
  findEarlier?: (since: Date) => Promise<R | undefined>;
  act: () => Promise<R>;
}

/**
 * Acts at most once per key, as far as the provider lets anyone know: intent first, then act,
 * then record. A done effect returns its recorded result; an intent without one asks
 * `findEarlier` (without it, the act must be one the provider treats as idempotent).
 */
export async function actOnce<R>(
  ledger: SideEffectLedger,
  key: string,
  kind: string,
  steps: ActOnceSteps<R>,
): Promise<R> {
  const earlier = await ledger.intend<R>(key, kind);
  if (earlier?.state === 'done' && earlier.result !== undefined) return earlier.result;
  if (earlier && steps.findEarlier) {
    const found = await steps.findEarlier(earlier.intendedAt);
    if (found !== undefined) {
      await ledger.done(key, found);
      return found;
    }
  }
  const result = await steps.act();
  await ledger.done(key, result);
  return result;
}
