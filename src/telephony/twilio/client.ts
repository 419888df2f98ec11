import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient';
import type { RateLimiter } from './rate-limiter';
import { recordTwilioRateLimit } from './rate-limits';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Point every Twilio host at one base URL, e.g. an emulator at `http://127.0.0.1:4010`. */
  apiBaseUrl?: string;
  /** Per-request timeout; the SDK's default is 30 s, which is longer than our activity budgets. */
  timeoutMs?: number;
  /**
   * Off by default: our retries are durable Temporal activity retries, and SDK-level 429 retries
   * would hide throttling from them and stack delays inside one activity attempt.
   */
  autoRetry?: boolean;
  maxRetries?: number;
  maxRetryDelayMs?: number;
  /** Paces message sends (Messages and Conversations Messages POSTs) of this account. */
  sendLimiter?: RateLimiter;
  /**
   * What is left of the activity attempt making the request (undefined outside one): each request is
   * bounded by it, so no request outlives its attempt and races the retry (see retry-policies.ts).
   */
  timeLeftMs?: () => number | undefined;
}

/** The SDK's default when no timeout is given. */
const SDK_DEFAULT_TIMEOUT_MS = 30_000;
/** Below this, a request is not started: it could not get an answer in time anyway. */
const MIN_REQUEST_MS = 1_000;

/** Requests that send a message to a person: the ones an account's send rate applies to. */
export function isMessageSend(method: string, uri: string): boolean {
  return (
    method.toUpperCase() === 'POST' &&
    /\/(Messages\.json|Conversations\/[^/]+\/Messages)$/.test(uri.split('?')[0] ?? '')
  );
}

const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)((?:\.[a-z0-9-]+)*)\.twilio\.com(?::443)?(?=[/?#]|$)/i;

/**
 * `https://api.twilio.com/2010-04-01/...` -> `<base>/api/2010-04-01/...`. Only the product label
 * (api, conversations, ...) is kept as the first path segment, so one server can serve every host;
 * edge/region labels are dropped. Non-Twilio URIs pass through unchanged.
 */
export function rewriteTwilioUri(uri: string, apiBaseUrl: string): string {
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  const product = match[1] ?? '';
  return `${apiBaseUrl.replace(/\/+$/, '')}/${product.toLowerCase()}${uri.slice(match[0].length)}`;
}

/**
 * The SDK's own RequestClient (auth, form encoding, autoRetry), with the host rewritten, sends paced
 * first, and 429 answers reported to /health.
 */
class BelugaRequestClient extends twilio.RequestClient {
  constructor(
    private readonly accountSid: string,
    private readonly apiBaseUrl: string | undefined,
    private readonly sendLimiter: RateLimiter | undefined,
    private readonly timeLeftMs: (() => number | undefined) | undefined,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0] & { timeout?: number },
  ) {
    super(opts);
    this.requestTimeoutMs = opts.timeout ?? SDK_DEFAULT_TIMEOUT_MS;
  }

  private readonly requestTimeoutMs: number;

  override async request<TData>(opts: SdkRequestClient.RequestOptions<TData>) {
    if (this.sendLimiter && isMessageSend(opts.method, opts.uri)) await this.sendLimiter.acquire();
    // Measured after the pacing wait: that wait also spends the attempt's time.
    const left = this.timeLeftMs?.();
    if (left !== undefined && left < MIN_REQUEST_MS)
      throw new Error(`no time left in this activity attempt for a Twilio request (${Math.max(0, left)} ms); retrying`);
    const timeout = left === undefined ? opts.timeout : Math.min(opts.timeout ?? this.requestTimeoutMs, left);
    const response = await super.request<TData>({
      ...opts,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(this.apiBaseUrl ? { uri: rewriteTwilioUri(opts.uri, this.apiBaseUrl) } : {}),
    });
    if (response.statusCode === 429) recordTwilioRateLimit(this.accountSid);
    return response;
  }
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  const requestClientOptions = {
    timeout: opts.timeoutMs,
    autoRetry: opts.autoRetry ?? false,
    maxRetries: opts.maxRetries,
    maxRetryDelay: opts.maxRetryDelayMs,
  };
  const httpClient = new BelugaRequestClient(
    opts.accountSid,
    opts.apiBaseUrl,
    opts.sendLimiter,
    opts.timeLeftMs,
    requestClientOptions,
  );
  return twilio(opts.accountSid, opts.authToken, { httpClient, autoRetry: requestClientOptions.autoRetry });
}
