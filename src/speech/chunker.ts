/**
 * Splits a model's streamed text into speakable chunks for TTS. While little text has been handed
 * out (so little audio is queued ahead of the caller), chunks end at the first sentence or long
 * clause so audio starts early; after that they are whole sentences, short ones merged, so each TTS
 * request carries natural prosody and calls make fewer requests. Never cuts inside abbreviations,
 * initials, decimals, times, URLs or e-mail addresses: a `.`, `:`, `,` only ends a chunk when
 * followed by whitespace, so the decision waits for the next delta when a delta ends on one.
 */

export interface ChunkerOptions {
  /** Chunks are cut eagerly until this much text has been handed out (~60 ms of speech per char). Default 60. */
  eagerChars?: number;
  /** Eager chunks may end at a comma or dash once this long. Default 30. */
  eagerSoftMinChars?: number;
  /** Later chunks end at a comma or dash only once this long. Default 80. */
  softMinChars?: number;
  /** Later chunks shorter than this at a sentence end wait to take in the next sentence. Default 40. */
  minChunkChars?: number;
  /** Longer pending text is cut at the last boundary, else the last space, before this. Default 200. */
  maxChunkChars?: number;
}

type Strength = 'strong' | 'soft';

interface Boundary {
  /** Index just past the boundary (punctuation plus closing quotes/brackets). */
  end: number;
  strength: Strength;
}

/** Never end a sentence: titles before names and Latin abbreviations inside one. */
const NEVER_FINAL = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'vs',
  'e.g',
  'i.e',
  'cf',
  'approx',
  'dept',
  'fig',
  'ca',
  'ext',
  'tel',
]);
/** End a sentence only when the next word is capitalized ("… etc. Then", but "No. 5", "10 a.m. and"). */
const MAYBE_FINAL = new Set([
  'etc',
  'no',
  'inc',
  'ltd',
  'co',
  'corp',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'a.m',
  'p.m',
  'u.s',
  'u.k',
]);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»']);
const SENTENCE_END = /[.!?…]/;

export class SpeechChunker {
  private pending = '';
  private emittedChars = 0;
  private readonly eagerChars: number;
  private readonly eagerSoftMinChars: number;
  private readonly softMinChars: number;
  private readonly minChunkChars: number;
  private readonly maxChunkChars: number;

  constructor(options: ChunkerOptions = {}) {
    this.eagerChars = options.eagerChars ?? 60;
    this.eagerSoftMinChars = options.eagerSoftMinChars ?? 30;
    this.softMinChars = options.softMinChars ?? 80;
    this.minChunkChars = options.minChunkChars ?? 40;
    this.maxChunkChars = options.maxChunkChars ?? 200;
  }

  /** Adds a text delta; returns the chunks it completed (trimmed, never empty), oldest first. */
  push(delta: string): string[] {
    this.pending += delta;
    const chunks: string[] = [];
    for (let cut = this.nextCut(); cut !== undefined; cut = this.nextCut()) {
      const chunk = this.pending.slice(0, cut).trim();
      this.pending = this.pending.slice(cut).trimStart();
      if (chunk) {
        chunks.push(chunk);
        this.emittedChars += chunk.length;
      }
    }
    return chunks;
  }

  /** Ends the utterance: returns what is left (trimmed) and readies the chunker for the next one. */
  flush(): string | undefined {
    const rest = this.pending.trim();
    this.reset();
    return rest || undefined;
  }

  /** Drops pending text (e.g. the reply was interrupted). */
  reset(): void {
    this.pending = '';
    this.emittedChars = 0;
  }

  private nextCut(): number | undefined {
    const text = this.pending;
    const eager = this.emittedChars < this.eagerChars;
    const strongMin = eager ? 1 : this.minChunkChars;
    const softMin = eager ? this.eagerSoftMinChars : this.softMinChars;
    let lastStrong: number | undefined;
    let lastSoft: number | undefined;
    for (const boundary of boundaries(text)) {
      const length = text.slice(0, boundary.end).trim().length;
      if (length === 0) continue;
      if (length > this.maxChunkChars) break;
      if (boundary.strength === 'strong' ? length >= strongMin : length >= softMin) return boundary.end;
      if (boundary.strength === 'strong') lastStrong = boundary.end;
      else lastSoft = boundary.end;
    }
    if (text.trim().length <= this.maxChunkChars) return undefined;
    return lastStrong ?? lastSoft ?? spaceCut(text, this.maxChunkChars);
  }
}

/** Confirmed boundaries of `text`, in order; one that depends on text not yet received is left out. */
function* boundaries(text: string): Generator<Boundary> {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      yield { end: i + 1, strength: 'strong' };
    } else if (SENTENCE_END.test(ch)) {
      let j = i;
      while (j < text.length && SENTENCE_END.test(text[j]!)) j++;
      const boundary = sentenceEnd(text, i, j);
      if (boundary === 'wait') return;
      if (boundary) yield boundary;
      i = j - 1;
    } else if (ch === ':' || ch === ';' || ch === ',') {
      const end = closersEnd(text, i + 1);
      if (end === text.length) return;
      if (isSpace(text[end]!)) yield { end, strength: ch === ',' ? 'soft' : 'strong' };
    } else if (ch === '—' || ch === '–') {
      yield { end: i + 1, strength: 'soft' };
    } else if (ch === '-' && i > 0 && isSpace(text[i - 1]!)) {
      if (i + 1 === text.length) return;
      if (isSpace(text[i + 1]!)) yield { end: i + 1, strength: 'soft' };
    }
  }
}

/** The punctuation run `text[start, runEnd)`: a boundary, none, or 'wait' for more text. */
function sentenceEnd(text: string, start: number, runEnd: number): Boundary | undefined | 'wait' {
  const end = closersEnd(text, runEnd);
  if (end === text.length) return 'wait';
  if (!isSpace(text[end]!)) return undefined; // 3.50, example.com, "e.g.,", "?!x"
  const run = text.slice(start, runEnd);
  if (/[!?]/.test(run)) return { end, strength: 'strong' };
  if (run.length > 1 || run === '…') return { end, strength: 'soft' }; // an ellipsis trails off
  const word = wordBefore(text, start);
  const lower = word.toLowerCase();
  if (NEVER_FINAL.has(lower) || /^[A-Za-z]$/.test(word)) return undefined; // "Dr. Smith", "J. R. R. Tolkien"
  if (/^\d+$/.test(word) && isLineStart(text, start - word.length)) return undefined; // "1. First item"
  if (MAYBE_FINAL.has(lower) || /^([a-z]\.)+[a-z]$/i.test(word)) {
    const next = nextNonSpace(text, end);
    if (next === undefined) return 'wait';
    return /\p{Lu}/u.test(next) ? { end, strength: 'strong' } : undefined;
  }
  return { end, strength: 'strong' };
}

/** Index past any closing quotes or brackets from `i`. */
function closersEnd(text: string, i: number): number {
  while (i < text.length && CLOSERS.has(text[i]!)) i++;
  return i;
}

/** The letters and inner dots just before index `i` ("Dr", "e.g", "U.S"), or the digits ("12"). */
function wordBefore(text: string, i: number): string {
  let start = i;
  while (start > 0 && /[\p{L}\d.]/u.test(text[start - 1]!)) start--;
  return text.slice(start, i);
}

function isLineStart(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && (text[k] === ' ' || text[k] === '\t')) k--;
  return k < 0 || text[k] === '\n';
}

function nextNonSpace(text: string, i: number): string | undefined {
  while (i < text.length && isSpace(text[i]!)) i++;
  return text[i];
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\u00a0';
}

/**
 * Cut at the last space within `max` chars, else the first after it; undefined if none yet. Spaces
 * after a `.` are skipped: any that ended a sentence was a boundary already, the rest follow "Dr.".
 */
function spaceCut(text: string, max: number): number | undefined {
  const lead = text.length - text.trimStart().length;
  for (let i = text.lastIndexOf(' ', lead + max); i > lead; i = text.lastIndexOf(' ', i - 1)) {
    if (text[i - 1] !== '.') return i;
  }
  for (let i = text.indexOf(' ', lead + max); i > 0; i = text.indexOf(' ', i + 1)) {
    if (text[i - 1] !== '.') return i;
  }
  return undefined;
}
