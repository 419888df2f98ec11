import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CALLER_TRUST_LEVELS, type CallerTrust } from '../customers/caller-trust';

/** What the gateway vouches for when it answers a call; the realtime worker trusts nothing else about the caller. */
export interface StreamClaims {
  callSid: string;
  accountSid: string;
  customerId: string;
  from: string;
  to: string;
  direction: string;
  /** How far the remote party's number is trusted (`callerTrust`): an unverified caller hears no memory. */
  trust: CallerTrust;
  /**
   * The call is recorded by its create request (a call we placed with `record`), so the remote
   * party must hear the announcement first. Absent: the live `voice.record` decides (inbound calls,
   * whose recording the call workflow starts from that same setting).
   */
  recorded?: boolean;
  /**
   * The agent answering and the version pinned when the call was answered: the call finishes on the
   * definition it started with. Absent from tokens minted before agents existed (the line's current agent answers).
   */
  agentId?: string;
  agentVersion?: number;
  /**
   * Which of the call's streams this token opens: 0 (absent) the first, n the n-th reconnect after a
   * stream was lost (a worker crash or deploy): a worker takes it over and resumes the call instead of
   * greeting. Each token opens one stream, so a call may have one stream per number.
   */
  seq?: number;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * The media-stream WebSocket is authenticated by a token the gateway puts in the TwiML's
 * `<Parameter>`s: base64url(JSON claims + a random nonce) "." base64url(HMAC-SHA256), keyed with
 * the account's auth token (which both the gateway and the realtime worker know, and nobody else).
 * The claims travel inside the token, so the worker reads who is calling from what was signed.
 */
export function streamToken(authToken: string, claims: StreamClaims): string {
  const body = Buffer.from(JSON.stringify({ ...claims, nonce: randomBytes(12).toString('base64url') })).toString(
    'base64url',
  );
  return `${body}.${mac(authToken, body).toString('base64url')}`;
}

function mac(authToken: string, body: string): Buffer {
  return createHmac('sha256', authToken).update(`media-stream|${body}`).digest();
}

/** The token's claims when it is authentic, unexpired and for this call of this account; otherwise undefined. */
export function verifyStreamToken(
  authToken: string,
  token: string | undefined,
  expected: { callSid: string; accountSid: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): StreamClaims | undefined {
  if (!token || !authToken) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  const [body, signature] = parts as [string, string];
  // Compared as text: base64 decoding skips stray characters, so decoded bytes could match a doctored string.
  const given = Buffer.from(signature);
  const wanted = Buffer.from(mac(authToken, body).toString('base64url'));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
  const claims = parseClaims(Buffer.from(body, 'base64url').toString('utf8'));
  if (!claims || claims.callSid !== expected.callSid || claims.accountSid !== expected.accountSid) return undefined;
  return claims.expiresAt >= nowSeconds ? claims : undefined;
}

const TEXT_CLAIMS = ['callSid', 'accountSid', 'customerId', 'from', 'to', 'direction'] as const;

function parseClaims(json: string): StreamClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (!Number.isInteger(record.expiresAt) || TEXT_CLAIMS.some((k) => typeof record[k] !== 'string')) return undefined;
  const text = Object.fromEntries(TEXT_CLAIMS.map((k) => [k, record[k] as string])) as Pick<
    StreamClaims,
    (typeof TEXT_CLAIMS)[number]
  >;
  // A token without a known trust level (minted before trust was signed) vouches for nobody.
  const trust = CALLER_TRUST_LEVELS.find((level) => level === record.trust) ?? 'unverified';
  const recorded = typeof record.recorded === 'boolean' ? { recorded: record.recorded } : {};
  const agent =
    typeof record.agentId === 'string' && Number.isInteger(record.agentVersion)
      ? { agentId: record.agentId, agentVersion: record.agentVersion as number }
      : {};
  const seq = Number.isInteger(record.seq) && (record.seq as number) > 0 ? { seq: record.seq as number } : {};
  return { ...text, trust, ...recorded, ...agent, ...seq, expiresAt: record.expiresAt as number };
}
