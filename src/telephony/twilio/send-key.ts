/**
 * The idempotency key of a send, carried in the StatusCallback URL we give Twilio: Twilio posts
 * every status callback of that message to the URL as given, so the callback names both our key and
 * Twilio's sid, and binds them even when the answer to the send itself was lost. The URL is signed
 * by Twilio with its query, so the key cannot be forged by a third party.
 */
const SEND_KEY_PARAM = 'belugaKey';

/** `url` with the key in its query (any fragment, such as Twilio's connection overrides, is kept). */
export function withSendKey(url: string, key: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(SEND_KEY_PARAM, key);
  return parsed.toString();
}

/** The key a status callback's URL carries, if any (the parsed query of the request). */
export function sendKeyOf(query: unknown): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[SEND_KEY_PARAM];
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
}
