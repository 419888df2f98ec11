import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from './schema';

/**
 * The bearer token between the gateway and the realtime workers' internal endpoints: `internalToken`
 * (BELUGA_INTERNAL_TOKEN), else derived from the operator API key, so a deployment that set only
 * OPERATOR_API_KEY works without a new secret (and the key itself never travels to the workers).
 * Undefined when neither is set: the internal endpoints are off.
 */
export function internalToken(config: Config): string | undefined {
  if (config.internalToken) return config.internalToken;
  if (!config.operatorApiKey) return undefined;
  return createHmac('sha256', config.operatorApiKey).update('beluga-live-feed').digest('hex');
}

/** Whether an `Authorization` header carries the internal token (constant-time comparison). */
export function presentsInternalToken(authorization: string | undefined, expected: string): boolean {
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
