/**
 * Retrieved knowledge as the model sees it (numbered passages with their sources) and what a reply
 * records of it (citations). The model cites a passage as `[n]`; the markers are taken out of what
 * the customer reads or hears, and the passages they name become the reply's citations. Pure and
 * dependency-free: workflows resolve a reply's citations, the voice loop strips markers while it streams.
 */
import type { ChunkSource, SourceKind } from './types';

/** One retrieved chunk as shown to the model in one reply: `n` is the number it cites it by. */
export interface KnowledgePassage {
  n: number;
  chunkId: string;
  kind: SourceKind;
  title: string;
  source: ChunkSource;
  text: string;
}

/** A chunk a reply used (the model cited it), as the message or call turn records it. */
export interface Citation {
  chunkId: string;
  kind: SourceKind;
  title: string;
  source: ChunkSource;
}

/** A passage's text in the prompt is capped: a few passages must not crowd out the conversation. */
const PASSAGE_TEXT_MAX_CHARS = 1500;

/** How a passage's origin reads for the model (and the emulator's tests): enough to tell a document from a call. */
function originOf(source: ChunkSource): string {
  switch (source.kind) {
    case 'document':
      return `document${source.page !== undefined ? `, page ${source.page}` : ''}${source.section ? `, section "${source.section}"` : ''}`;
    case 'call':
      return `earlier phone call, ${source.speaker === 'caller' ? 'said by the customer' : 'said by the agent'}, ${source.at.slice(0, 10)}`;
    case 'message':
      return `earlier ${source.direction === 'inbound' ? 'message from the customer' : 'message to the customer'}, ${source.at.slice(0, 10)}`;
    case 'voice_note':
      return `voice note from the customer, ${source.at.slice(0, 10)}`;
    case 'image':
      return `image the customer sent, ${source.at.slice(0, 10)}`;
  }
}

/**
 * The passages as one block of text: `[n] title (origin)` then the text, one passage after another.
 * The same shape in the system prompt and in `search_knowledge` results, so the model cites both alike.
 */
export function formatPassages(passages: readonly KnowledgePassage[]): string {
  return passages
    .map((p) => {
      const text = p.text.length > PASSAGE_TEXT_MAX_CHARS ? `${p.text.slice(0, PASSAGE_TEXT_MAX_CHARS)}…` : p.text;
      return `[${p.n}] ${p.title} (${originOf(p.source)})\n${text.trim()}`;
    })
    .join('\n\n');
}

/** The rule the model is given with passages, worded for the channel (markers are never read aloud or sent). */
function citationRule(channel: 'voice' | 'messaging'): string {
  const removed =
    channel === 'voice'
      ? 'they are removed before your words are spoken'
      : 'they are removed before the customer reads the reply';
  return `When you use a passage, put its number in square brackets right after what it supports, like [1] (${removed}). Use only passages that answer the question; if none does, answer without them and do not make facts up.`;
}

/** The system prompt's knowledge section: the rule, then the passages. Empty when there are none. */
export function knowledgeSection(passages: readonly KnowledgePassage[], channel: 'voice' | 'messaging'): string {
  if (passages.length === 0) return '';
  return `Knowledge passages retrieved for the customer's last message (the business's documents and this customer's own earlier conversations):\n${citationRule(channel)}\n\n${formatPassages(passages)}`;
}

/** `[3]`, `[1, 2]`, `[1][2]`: one or more passage numbers in brackets. */
const MARKER = /\s?\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/**
 * The reply as the customer gets it (markers of known passages taken out, spacing tidied) and the
 * passages it cited, each once, in the order first cited. A bracketed number that names no passage
 * is left as written: it is the customer's text (`[2]` in a list), not a citation.
 */
export function resolveCitations(
  text: string,
  passages: readonly KnowledgePassage[],
): { text: string; citations: Citation[] } {
  const byNumber = new Map(passages.map((p) => [p.n, p]));
  const cited = new Map<string, Citation>();
  const stripped = text.replace(MARKER, (marker, numbers: string) => {
    const ns = numbers.split(',').map((s) => Number(s.trim()));
    if (!ns.every((n) => byNumber.has(n))) return marker;
    for (const n of ns) {
      const p = byNumber.get(n)!;
      if (!cited.has(p.chunkId))
        cited.set(p.chunkId, { chunkId: p.chunkId, kind: p.kind, title: p.title, source: p.source });
    }
    return '';
  });
  return { text: tidy(stripped), citations: [...cited.values()] };
}

/** Spaces a removed marker leaves before punctuation or at the ends. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]+([.,;:!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/**
 * Takes citation markers out of a streamed reply as it arrives (the voice loop speaks each chunk as
 * soon as it is complete): text that might be the start of a marker (`[`, `[1`, ` [12`) is held
 * back until the next delta says whether it is one. `cited` collects the numbers seen.
 */
export class CitationMarkerFilter {
  private held = '';
  readonly cited: number[] = [];

  /** The part of `delta` (with what was held) that can be spoken now. */
  push(delta: string): string {
    let text = this.held + delta;
    this.held = '';
    text = text.replace(MARKER, (_marker, numbers: string) => {
      for (const n of numbers.split(',').map((s) => Number(s.trim()))) if (!this.cited.includes(n)) this.cited.push(n);
      return '';
    });
    // A possible marker still open at the end waits for the next delta.
    const open = /\s?\[[\d,\s]{0,12}$/.exec(text);
    if (open) {
      this.held = open[0];
      text = text.slice(0, open.index);
    }
    return text;
  }

  /** The end of the reply: whatever was held was not a marker after all. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** The passages a list of cited numbers names, as citations (unknown numbers ignored, each chunk once). */
export function citationsFor(numbers: readonly number[], passages: readonly KnowledgePassage[]): Citation[] {
  const cited = new Map<string, Citation>();
  for (const n of numbers) {
    const p = passages.find((x) => x.n === n);
    if (p && !cited.has(p.chunkId))
      cited.set(p.chunkId, { chunkId: p.chunkId, kind: p.kind, title: p.title, source: p.source });
  }
  return [...cited.values()];
}
