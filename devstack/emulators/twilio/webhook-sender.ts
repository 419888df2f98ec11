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

/** Form-encoded webhook (voice, messaging, conversations events). Default timeout: Twilio's 15 s. */
export async function sendTwilioWebhook(opts: SendOptions & { params: WebhookParams }): Promise<WebhookResponse> {
  const signature = signTwilioRequest(opts.authToken, opts.publicUrl ?? opts.url, opts.params);
  const headers = { ...twilioHeaders(signature, 'application/x-www-form-urlencoded'), ...opts.headers };
  return post(opts.url, encodeForm(opts.params), headers, opts.timeoutMs ?? 15_000);
}

/** JSON-body webhook: `bodySHA256` is appended to both URLs; the signature covers the public one. */
export async function sendTwilioJsonWebhook(opts: SendOptions & { body: string | object }): Promise<WebhookResponse> {
  const raw = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const signature = signTwilioRequest(opts.authToken, withBodySha256(opts.publicUrl ?? opts.url, raw));
  const headers = { ...twilioHeaders(signature, 'application/json'), ...opts.headers };
  return post(withBodySha256(opts.url, raw), raw, headers, opts.timeoutMs ?? 15_000);
}
