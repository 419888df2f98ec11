import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient';

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

/** The SDK's own RequestClient (auth, form encoding, autoRetry), with the host rewritten first. */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBaseUrl: string,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: SdkRequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteTwilioUri(opts.uri, this.apiBaseUrl) });
  }
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  const requestClientOptions = {
    timeout: opts.timeoutMs,
    autoRetry: opts.autoRetry ?? false,
    maxRetries: opts.maxRetries,
    maxRetryDelay: opts.maxRetryDelayMs,
  };
  const httpClient = opts.apiBaseUrl
    ? new BaseUrlRequestClient(opts.apiBaseUrl, requestClientOptions)
    : new twilio.RequestClient(requestClientOptions);
  return twilio(opts.accountSid, opts.authToken, { httpClient, autoRetry: requestClientOptions.autoRetry });
}
