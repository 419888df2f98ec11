import type twilio from 'twilio';
import type { ConfigStore } from '../../config/store';
import type { TwilioAccount } from '../../config/schema';
import { createTwilioClient } from './client';
import { RateLimiter } from './rate-limiter';
import { attemptTimeLeftMs } from '../../temporal/attempt-budget';

/** One Twilio request's longest wait for an answer (less when the activity attempt has less left). */
const TWILIO_REQUEST_TIMEOUT_MS = 15_000;

/** The configured Twilio accounts and one SDK client each; follows configuration reloads. */
export class TwilioAccounts {
  private clients = new Map<string, { key: string; client: twilio.Twilio }>();

  constructor(private readonly config: ConfigStore) {}

  list(): TwilioAccount[] {
    return this.config.get().twilio.accounts;
  }

  get(accountSid: string): TwilioAccount | undefined {
    return this.list().find((a) => a.accountSid === accountSid);
  }

  /** The SDK client of an account; rebuilt when its token or base URL changed. */
  client(accountSid: string): twilio.Twilio {
    const account = this.get(accountSid);
    if (!account) throw new Error(`Twilio account ${accountSid} is not configured`);
    const key = `${account.authToken}\u0000${account.apiBaseUrl ?? ''}\u0000${account.sendRatePerSecond}`;
    const cached = this.clients.get(accountSid);
    if (cached && cached.key === key) return cached.client;
    const sendLimiter = new RateLimiter(account.sendRatePerSecond, Math.max(1, Math.floor(account.sendRatePerSecond)));
    const client = createTwilioClient({
      accountSid,
      authToken: account.authToken,
      apiBaseUrl: account.apiBaseUrl,
      timeoutMs: TWILIO_REQUEST_TIMEOUT_MS,
      sendLimiter,
      // Inside an activity, no request outlives its attempt (src/temporal/retry-policies.ts).
      timeLeftMs: attemptTimeLeftMs,
    });
    this.clients.set(accountSid, { key, client });
    return client;
  }
}
