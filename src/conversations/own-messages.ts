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
  if (!attributes) return false;
  try {
    const parsed: unknown = JSON.parse(attributes);
    return typeof parsed === 'object' && parsed !== null && MARKER in parsed;
  } catch {
    // Attributes are free-form; unparsable ones are simply not ours.
    return false;
  }
}
