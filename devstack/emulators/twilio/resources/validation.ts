import { TwilioApiError } from '../errors';
import type { RouteContext } from '../router';

const E164 = /^\+[1-9]\d{1,14}$/;

/** Phone-like addresses the emulator accepts: E.164, optionally with a channel prefix (`whatsapp:`). */
export function isValidAddress(address: string, allowedChannels: readonly string[]): boolean {
  const colon = address.indexOf(':');
  if (colon < 0) return E164.test(address);
  const channel = address.slice(0, colon);
  const rest = address.slice(colon + 1);
  if (!allowedChannels.includes(channel)) return false;
  return channel === 'whatsapp' ? E164.test(rest) : rest.length > 0;
}

/** `/Accounts/{AccountSid}/...` must name the authenticated account. */
export function requirePathAccount(ctx: RouteContext): string {
  const accountSid = ctx.pathParams.AccountSid ?? '';
  if (accountSid !== ctx.accountSid) {
    throw new TwilioApiError(401, 20003, 'Authenticate', 'Your AccountSid or AuthToken was incorrect.');
  }
  return accountSid;
}

export function requireSid(ctx: RouteContext, name: string): string {
  return ctx.pathParams[name] ?? '';
}
