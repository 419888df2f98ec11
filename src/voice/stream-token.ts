import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The media-stream WebSocket is authenticated by a token the gateway puts in the TwiML's
 * `<Parameter>`s: HMAC-SHA256 over the call sid and an expiry, keyed with the account's auth
 * token (which both the gateway and the realtime worker know, and nobody else).
 */
export function streamToken(authToken: string, callSid: string, expiresAtSeconds: number): string {
  return `${expiresAtSeconds}.${createHmac('sha256', authToken).update(`media-stream|${callSid}|${expiresAtSeconds}`).digest('hex')}`;
}

export function verifyStreamToken(
  authToken: string,
  callSid: string,
  token: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!token) return false;
  const [expires, mac] = token.split('.', 2);
  const expiresAt = Number(expires);
  if (!Number.isInteger(expiresAt) || !mac || !/^[0-9a-f]{64}$/.test(mac) || expiresAt < nowSeconds) return false;
  const expected = createHmac('sha256', authToken).update(`media-stream|${callSid}|${expiresAt}`).digest();
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
}
