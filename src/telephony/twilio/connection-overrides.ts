/**
 * Twilio's webhook connection overrides, carried in the URL fragment of every URL we give Twilio.
 * By default Twilio retries only a failed connection, once, and not a 5xx answer; these ask it to
 * retry connect failures, read timeouts and 5xx answers (`rp`) up to 3 times (`rc`), connecting
 * within 3 s (`ct`), waiting at most 8 s for an answer (`rt`: the gateway answers within its
 * handover + inbox deadlines, 5 s) and 15 s for all attempts together (`tt`, Twilio's maximum).
 */
export const CONNECTION_OVERRIDES = 'ct=3000&rt=8000&tt=15000&rc=3&rp=ct,rt,5xx';

/**
 * The URL with our connection overrides, unless it already has a fragment: an operator's own
 * overrides (or other fragment) on a configured URL are theirs to choose.
 */
export function withConnectionOverrides(url: string): string {
  return url.includes('#') ? url : `${url}#${CONNECTION_OVERRIDES}`;
}

/**
 * The URLs a webhook's signature may have been computed over. The fragment never reaches the
 * gateway (HTTP clients do not send it), and whether Twilio signs the URL with or without it is
 * not documented, so both the URL as called and the URL with our overrides are accepted.
 */
export function signedUrlCandidates(url: string): string[] {
  return [url, `${url}#${CONNECTION_OVERRIDES}`];
}
