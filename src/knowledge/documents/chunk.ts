import { createHash } from 'node:crypto';
import { SECTION_SEPARATOR, type ExtractedDocument } from './sections';

/**
 * Cuts an extracted document into chunks a search can return on their own: each carries the document's
 * title and its heading path, so "Exceptions" alone still reads as "Refund policy > Exceptions".
 *
 * - Text is cut at paragraph, then line, then sentence boundaries, and only inside a sentence longer than
 *   the target at word boundaries (a single "word" longer than the target — a URL, a blob — is cut).
 * - Consecutive chunks of a section share about 15% (whole sentences from the end of the previous one), so a
 *   fact that straddles a cut is found whole in one of them.
 * - A chunk never crosses a section: a new heading or a new PDF page starts a new chunk, so every chunk
 *   has exactly one section and one page to cite (a sentence running over a page break is cut there).
 * - Deterministic: the same document and options give the same chunks, in the same order and positions.
 */

export interface ChunkOptions {
  /** Aimed-for chunk length in characters; default 1000. Chunks stay under target + overlap. */
  targetChars?: number;
  /** Characters repeated from the end of the previous chunk of the same section; default 15% of the target. */
  overlapChars?: number;
  /** The title when the document has none of its own (e.g. its file name or URL). */
  fallbackTitle?: string;
}

export interface DocumentChunk {
  text: string;
  /** Document title and heading path: "Customer Handbook > Refunds > Exceptions". */
  title: string;
  /** The heading path alone, when the text sits under a heading. */
  section?: string;
  /** PDFs: the page the text is on. */
  page?: number;
  /** 0-based order within the document. */
  position: number;
}

const DEFAULT_TARGET = 1000;
const OVERLAP_SHARE = 0.15;

/** A piece of text that is never cut further, and what joins it to the piece before it. */
interface Unit {
  text: string;
  joiner: '\n\n' | '\n' | ' ';
}

export function chunkDocument(doc: ExtractedDocument, options: ChunkOptions = {}): DocumentChunk[] {
  const target = Math.max(100, Math.floor(options.targetChars ?? DEFAULT_TARGET));
  const overlap = Math.max(0, Math.min(Math.floor(options.overlapChars ?? target * OVERLAP_SHARE), target / 2));
  const documentTitle = doc.title ?? options.fallbackTitle ?? '';
  const chunks: DocumentChunk[] = [];
  for (const section of doc.sections) {
    const title = [documentTitle, section.section ?? ''].filter((t) => t !== '').join(SECTION_SEPARATOR);
    for (const text of packUnits(unitsOf(section.text, target), target, overlap)) {
      chunks.push({
        text,
        title,
        ...(section.section ? { section: section.section } : {}),
        ...(section.page !== undefined ? { page: section.page } : {}),
        position: chunks.length,
      });
    }
  }
  return chunks;
}

/** sha256 (hex) of a document's bytes or text: unchanged content, unchanged hash, nothing to re-index. */
export function contentHash(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

function unitsOf(text: string, target: number): Unit[] {
  const units: Unit[] = [];
  text.split(/\n{2,}/).forEach((paragraph, p) => {
    paragraph.split('\n').forEach((line, l) => {
      sentencesOf(line).forEach((sentence, s) => {
        const joiner = s > 0 ? ' ' : l > 0 ? '\n' : p > 0 ? '\n\n' : ' ';
        splitLong(sentence, target).forEach((piece, i) => units.push({ text: piece, joiner: i > 0 ? ' ' : joiner }));
      });
    });
  });
  return units.filter((u) => u.text !== '');
}

/** Words after which a full stop does not end a sentence. */
const ABBREVIATION =
  /(?:^|\s)(?:mr|mrs|ms|dr|prof|st|no|nos|vs|etc|e\.g|i\.e|inc|ltd|co|jr|sr|approx|fig|p|pp|[a-z])\.$/i;

function sentencesOf(line: string): string[] {
  const parts = line.split(/(?<=[.!?…]["'”’)\]]*)\s+(?=["'“‘([]?[\p{Lu}\p{N}])/u);
  const sentences: string[] = [];
  for (const part of parts) {
    const last = sentences[sentences.length - 1];
    if (last !== undefined && ABBREVIATION.test(last)) sentences[sentences.length - 1] = `${last} ${part}`;
    else sentences.push(part);
  }
  return sentences.map((s) => s.trim());
}

/** A sentence longer than the target, cut at word boundaries (a single longer word is cut where it must be). */
function splitLong(sentence: string, target: number): string[] {
  if (sentence.length <= target) return [sentence];
  const pieces: string[] = [];
  let current = '';
  for (const word of sentence.split(/\s+/)) {
    for (let i = 0; i < word.length; i += target) {
      const part = word.slice(i, i + target);
      if (current !== '' && current.length + 1 + part.length > target) {
        pieces.push(current);
        current = '';
      }
      current = current === '' ? part : `${current} ${part}`;
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

function packUnits(units: Unit[], target: number, overlap: number): string[] {
  const chunks: string[] = [];
  let current: Unit[] = [];
  let length = 0;
  let fresh = 0; // units in `current` not already in the previous chunk

  const lengthOf = (list: Unit[]): number =>
    list.reduce((n, u, i) => n + (i > 0 ? u.joiner.length : 0) + u.text.length, 0);

  for (const unit of units) {
    const added = (current.length > 0 ? unit.joiner.length : 0) + unit.text.length;
    if (current.length > 0 && length + added > target) {
      if (fresh > 0) {
        chunks.push(render(current));
        current = overlapTail(current, overlap);
      }
      // The carried-over overlap gives way to new text rather than push the chunk past the target.
      while (current.length > 0 && lengthOf(current) + unit.joiner.length + unit.text.length > target) current.shift();
      fresh = 0;
      length = lengthOf(current);
    }
    current.push(unit);
    length = lengthOf(current);
    fresh++;
  }
  if (fresh > 0) chunks.push(render(current));
  return chunks;
}

/** The whole units at the end of a chunk that fit in `overlap` characters. */
function overlapTail(units: Unit[], overlap: number): Unit[] {
  const tail: Unit[] = [];
  let length = 0;
  for (let i = units.length - 1; i > 0; i--) {
    const unit = units[i];
    if (!unit) break;
    length += unit.text.length + (tail.length > 0 ? 1 : 0);
    if (length > overlap) break;
    tail.unshift(unit);
  }
  return tail;
}

function render(units: Unit[]): string {
  return units.map((u, i) => (i > 0 ? u.joiner : '') + u.text).join('');
}
