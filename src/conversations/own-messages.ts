/**
 * The agent's replies carry a marker in their Attributes, so an onMessageAdded echo of our own
 * REST post is recognised even if the author name changed in configuration since.
 */
const MARKER = 'belugaReply';

/** Attributes JSON for a reply posted by the agent (the idempotency key of the reply). */
export function ownMessageAttributes(idempotencyKey: string): string {
  return JSON.stringify({ [MARKER]: idempotencyKey });
}

export function isOwnMessage(attributes: string | undefined): boolean {
  return ownMessageKey(attributes) !== undefined;
}

/** The idempotency key of a reply we posted, read from its Attributes; undefined for anyone else's message. */
export function ownMessageKey(attributes: string | undefined): string | undefined {
  if (!attributes) return undefined;
  try {
    const parsed: unknown = JSON.parse(attributes);
    if (typeof parsed !== 'object' || parsed === null || !(MARKER in parsed)) return undefined;
    const key = (parsed as Record<string, unknown>)[MARKER];
    return typeof key === 'string' ? key : '';
  } catch {
    // Attributes are free-form; unparsable ones are simply not ours.
    return undefined;
  }
}
