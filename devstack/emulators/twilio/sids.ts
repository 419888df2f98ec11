import { randomBytes } from 'node:crypto';

/** Twilio SIDs: two-letter type prefix + 32 lowercase hex chars (e.g. SM…, CA…, CH…, MB…, IM…). */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export const isSid = (value: string, prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`).test(value);
