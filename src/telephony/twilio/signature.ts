import twilio from 'twilio';

/** Form webhook params as received; repeated keys arrive as arrays. */
export type TwilioWebhookParams = Record<string, string | string[]>;

/**
 * The SDK tests `value instanceof Array`, which is false for arrays made in another realm (Node
 * core's URLSearchParams under jest's VM, for one); it would then sign "a,b" instead of each value.
 * Copying into local arrays keeps repeated keys validating the same everywhere.
 */
function withLocalArrays(params: TwilioWebhookParams): TwilioWebhookParams {
  const copy: TwilioWebhookParams = {};
  for (const [key, value] of Object.entries(params)) copy[key] = Array.isArray(value) ? [...value] : value;
  return copy;
}

/**
 * Validation is delegated to the official SDK (port variants, URL normalisation, constant-time
 * compare) rather than re-implemented. `url` must be the PUBLIC URL Twilio called, query included
 * — behind a tunnel or proxy that is the configured public URL, not the one the request arrived on.
 * Never throws: a malformed URL or missing header is simply "not valid".
 */
export function isValidTwilioSignature(input: {
  authToken: string;
  url: string;
  params: TwilioWebhookParams;
  signature: string | undefined | null;
}): boolean {
  if (!input.signature || !input.authToken) return false;
  try {
    return twilio.validateRequest(input.authToken, input.signature, input.url, withLocalArrays(input.params));
  } catch {
    return false;
  }
}

/** JSON-body webhooks: the URL carries `bodySHA256`; the SDK checks both the signature and the hash. */
export function isValidTwilioBodySignature(input: {
  authToken: string;
  url: string;
  rawBody: string;
  signature: string | undefined | null;
}): boolean {
  if (!input.signature || !input.authToken) return false;
  try {
    return twilio.validateRequestWithBody(input.authToken, input.signature, input.url, input.rawBody);
  } catch {
    return false;
  }
}
