/**
 * Text helpers shared by the conversation chunk builders: dates and parties for titles, a bounded
 * piece of the previous turn as context, and splitting a long turn into chunk-sized parts.
 */
import { isWithheldNumber } from '../../customers/caller-identity';
import { parseTwilioAddress } from '../../messaging/addresses';

/** A turn longer than this is split (at sentence ends) so each chunk stays about one idea long. */
export const MAX_CHUNK_CHARS = 1_200;
/** How much of the previous turn a chunk carries as context: enough to give "yes, that one" its meaning. */
export const CONTEXT_CHARS = 200;

/** `2026-11-02` (UTC): the day in a chunk's title. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The customer's side as a title shows it: their number or address, never a withheld placeholder. */
export function partyName(address: string | undefined): string {
  if (!address) return 'an unknown number';
  const { channel, address: bare } = parseTwilioAddress(address);
  // A chat identity is a name; anything else is a number, which a caller may have withheld.
  if (channel !== 'conversations' && isWithheldNumber(bare)) return 'a withheld number';
  return bare || 'an unknown number';
}

/** At most `max` characters of `text`, cut at a word boundary and marked with an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * `text` in parts of at most `max` characters, cut after sentence ends where possible (a sentence
 * longer than `max` is cut at a word boundary). Deterministic: the same text always gives the same parts.
 */
export function splitText(text: string, max = MAX_CHUNK_CHARS): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat ? [flat] : [];
  const sentences = flat.match(/[^.!?]+(?:[.!?]+|$)\s*/g) ?? [flat];
  const parts: string[] = [];
  let current = '';
  for (const sentence of sentences.flatMap((s) => hardSplit(s.trim(), max))) {
    if (current && current.length + 1 + sentence.length > max) {
      parts.push(current);
      current = '';
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) parts.push(current);
  return parts;
}

function hardSplit(sentence: string, max: number): string[] {
  const parts: string[] = [];
  let rest = sentence;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const at = space > max / 2 ? space : max;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}
