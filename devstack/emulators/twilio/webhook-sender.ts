import { createHash, createHmac, randomUUID } from 'node:crypto';

/**
 * Sends webhooks the way Twilio does, signed with X-Twilio-Signature. The signer is written from
 * Twilio's documented algorithm, deliberately NOT via the twilio package, so tests of the app's
 * validation (which does use the package) compare two independent implementations.
 */
export type WebhookParams = Record<string, string | string[]>;

export interface WebhookResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * base64(HMAC-SHA1(authToken, url + k1 + v1 + k2 + v2 ...)): keys sorted; a repeated key
 * contributes one key+value pair per value, values sorted. No separators between anything.
 */
export function signTwilioRequest(authToken: string, url: string, params: WebhookParams = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key] ?? '';
    const values = Array.isArray(value) ? [...value].sort() : [value];
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function bodySha256Hex(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** JSON-body webhooks carry the body hash in the URL, and the signature covers the URL alone. */
export function withBodySha256(url: string, body: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${bodySha256Hex(body)}`;
}

interface SendOptions {
  /** Where the request actually goes (e.g. the gateway on 127.0.0.1). */
  url: string;
  authToken: string;
  /** The URL Twilio believes it called (tunnel/proxy address); the signature covers this. Defaults to `url`. */
  publicUrl?: string;
  /** Merged last: lets a test replace X-Twilio-Signature with a forged one. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

function encodeForm(params: WebhookParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  }
  return search.toString();
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<WebhookResponse> {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
}

const twilioHeaders = (signature: string, contentType: string) => ({
  'Content-Type': contentType,
  'User-Agent': 'TwilioProxy/1.1',
  'X-Twilio-Signature': signature,
  // Twilio sends one per delivery attempt chain; receivers may dedupe on it.
  'I-Twilio-Idempotency-Token': randomUUID(),
});

/**
 * Form-encoded webhook (voice, messaging, conversations events). Default timeout: Twilio's 15 s.
 * A URL with connection overrides (`#rc=…&rp=…`, see {@link parseConnectionOverrides}) is retried
 * as Twilio would; the signature covers the URL as given, fragment included.
 */
export async function sendTwilioWebhook(opts: SendOptions & { params: WebhookParams }): Promise<WebhookResponse> {
  const signature = signTwilioRequest(opts.authToken, opts.publicUrl ?? opts.url, opts.params);
  const headers = { ...twilioHeaders(signature, 'application/x-www-form-urlencoded'), ...opts.headers };
  const overrides = parseConnectionOverrides(opts.publicUrl ?? opts.url);
  const url = withoutFragment(opts.url);
  const body = encodeForm(opts.params);
  if (!overrides) return post(url, body, headers, opts.timeoutMs ?? 15_000);
  return postWithOverrides(url, body, headers, overrides);
}

/** Twilio's webhook connection overrides (the URL fragment), with Twilio's defaults for those not given. */
export interface ConnectionOverrides {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  totalTimeoutMs: number;
  retryCount: number;
  /** What is retried: connect failures (`ct`), read timeouts (`rt`), `4xx` and `5xx` answers. */
  retryOn: ReadonlySet<'ct' | 'rt' | '4xx' | '5xx'>;
}

const RETRY_CLASSES = ['ct', 'rt', '4xx', '5xx'] as const;

/** The overrides in a URL's fragment; undefined when it has none (then the sender behaves as before). */
export function parseConnectionOverrides(url: string): ConnectionOverrides | undefined {
  const hash = url.indexOf('#');
  if (hash < 0) return undefined;
  const fragment = new URLSearchParams(url.slice(hash + 1));
  const bounded = (key: string, fallback: number, min: number, max: number) => {
    const value = Number(fragment.get(key) ?? fallback);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`connection override ${key}=${fragment.get(key)} is out of range ${min}..${max}`);
    return value;
  };
  const policies = (fragment.get('rp') ?? 'ct').split(',');
  const retryOn = new Set(policies.includes('all') ? RETRY_CLASSES : RETRY_CLASSES.filter((c) => policies.includes(c)));
  return {
    connectTimeoutMs: bounded('ct', 5000, 100, 10_000),
    readTimeoutMs: bounded('rt', 15_000, 100, 15_000),
    totalTimeoutMs: bounded('tt', 15_000, 100, 15_000),
    retryCount: bounded('rc', 1, 0, 5),
    retryOn,
  };
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/** Attempts until an answer the policy does not retry, the retry count, or the total time runs out. */
async function postWithOverrides(
  url: string,
  body: string,
  headers: Record<string, string>,
  overrides: ConnectionOverrides,
): Promise<WebhookResponse & { attempts: number }> {
  const deadline = Date.now() + overrides.totalTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.min(overrides.readTimeoutMs, deadline - Date.now());
    // The last attempt: no retries left, or no time for another after this one.
    const last = attempt > overrides.retryCount;
    try {
      const response = await post(url, body, headers, Math.max(1, timeoutMs));
      const retryClass = response.status >= 500 ? '5xx' : response.status >= 400 ? '4xx' : undefined;
      if (last || deadline <= Date.now() || !retryClass || !overrides.retryOn.has(retryClass))
        return { ...response, attempts: attempt };
    } catch (error) {
      const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
      if (last || deadline <= Date.now() || !overrides.retryOn.has(timedOut ? 'rt' : 'ct')) throw error;
    }
  }
}

/** JSON-body webhook: `bodySHA256` is appended to both URLs; the signature covers the public one. */
export async function sendTwilioJsonWebhook(opts: SendOptions & { body: string | object }): Promise<WebhookResponse> {
  const raw = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const signature = signTwilioRequest(opts.authToken, withBodySha256(opts.publicUrl ?? opts.url, raw));
  const headers = { ...twilioHeaders(signature, 'application/json'), ...opts.headers };
  return post(withBodySha256(opts.url, raw), raw, headers, opts.timeoutMs ?? 15_000);
}
