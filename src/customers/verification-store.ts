import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** How long a code may be used. */
const CODE_TTL_MS = 10 * 60_000;
/** Codes per call, and per number per hour (a caller cannot flood a number with texts). */
const MAX_CODES_PER_CALL = 3;
const MAX_CODES_PER_NUMBER_PER_HOUR = 3;
/** Guesses per code: 5 of 10^6. */
const MAX_CHECKS_PER_CODE = 5;

interface CodeDoc {
  /** `<CallSid>:<tool call id>`: a retried tool call replaces its own code, never adds one. */
  _id: string;
  callSid: string;
  accountSid: string;
  /** The number on file the code was texted to. */
  address: string;
  /** HMAC-SHA256 of the code keyed with the salt: the code itself is never stored. */
  hash: string;
  salt: string;
  checks: number;
  createdAt: Date;
  expiresAt: Date;
  verifiedAt?: Date;
}

export type IssueResult = { status: 'issued'; code: string } | { status: 'limited'; reason: 'call' | 'number' };

export type CheckResult =
  | { status: 'verified' }
  | { status: 'wrong'; checksLeft: number }
  /** No usable code: none sent, expired, or out of guesses. */
  | { status: 'none' | 'expired' | 'exhausted' };

/**
 * One-time codes that confirm a caller is at the number on file: random 6 digits, stored only as a
 * salted hash, valid for 10 minutes and 5 guesses, at most 3 per call and 3 per number per hour.
 */
export class VerificationStore {
  private readonly codes: Collection<CodeDoc>;

  constructor(db: Db) {
    this.codes = db.collection<CodeDoc>('verification_codes');
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([
      this.codes.createIndex({ callSid: 1, createdAt: -1 }),
      this.codes.createIndex({ accountSid: 1, address: 1, createdAt: -1 }),
    ]);
  }

  /** A fresh code for the call, unless a limit is reached; the caller texts it (it is not kept). */
  async issue(
    request: { id: string; callSid: string; accountSid: string; address: string },
    now = new Date(),
  ): Promise<IssueResult> {
    const others = { _id: { $ne: request.id } };
    const [forCall, forNumber] = await Promise.all([
      this.codes.countDocuments({ ...others, callSid: request.callSid }),
      this.codes.countDocuments({
        ...others,
        accountSid: request.accountSid,
        address: request.address,
        createdAt: { $gt: new Date(now.getTime() - 3_600_000) },
      }),
    ]);
    if (forCall >= MAX_CODES_PER_CALL) return { status: 'limited', reason: 'call' };
    if (forNumber >= MAX_CODES_PER_NUMBER_PER_HOUR) return { status: 'limited', reason: 'number' };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('base64url');
    const doc: CodeDoc = {
      ...request,
      _id: request.id,
      hash: digest(salt, code),
      salt,
      checks: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
    };
    await this.codes.replaceOne({ _id: request.id }, doc, { upsert: true });
    return { status: 'issued', code };
  }

  /** Checks a code against the call's latest one; each check counts, right or wrong. */
  async check(callSid: string, code: string, now = new Date()): Promise<CheckResult> {
    const latest = await this.codes.find({ callSid }).sort({ createdAt: -1 }).limit(1).next();
    if (!latest) return { status: 'none' };
    if (latest.expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    const counted = await this.codes.updateOne(
      { _id: latest._id, checks: { $lt: MAX_CHECKS_PER_CODE } },
      { $inc: { checks: 1 } },
    );
    if (counted.modifiedCount !== 1) return { status: 'exhausted' };
    const given = Buffer.from(digest(latest.salt, code.replace(/\D/g, '')));
    if (!timingSafeEqual(given, Buffer.from(latest.hash)))
      return { status: 'wrong', checksLeft: MAX_CHECKS_PER_CODE - latest.checks - 1 };
    await this.codes.updateOne({ _id: latest._id }, { $set: { verifiedAt: now } });
    return { status: 'verified' };
  }
}

function digest(salt: string, code: string): string {
  return createHmac('sha256', salt).update(code).digest('base64url');
}
