import { chunkDocument, contentHash, type DocumentChunk } from '../../../src/knowledge/documents/chunk';
import type { ExtractedDocument } from '../../../src/knowledge/documents/sections';

/** Sentences that each state one checkable fact, varied in length. */
function facts(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return `Order ${4500 + n} for customer number ${n} ships from warehouse ${n % 7} ${'with careful packaging '.repeat(n % 4)}on day ${n}.`;
  });
}

function paragraphs(sentences: string[], perParagraph: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences.length; i += perParagraph) out.push(sentences.slice(i, i + perParagraph).join(' '));
  return out.join('\n\n');
}

const handbook: ExtractedDocument = {
  type: 'text/markdown',
  title: 'Warehouse handbook',
  sections: [
    { text: paragraphs(facts(0, 3), 3) },
    { section: 'Shipping', text: paragraphs(facts(3, 40), 5) },
    { section: 'Shipping > Exceptions', text: 'Fragile items ship separately.' },
  ],
};

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

describe('chunkDocument', () => {
  const chunks = chunkDocument(handbook, { targetChars: 600 });

  it('keeps chunks non-empty, near the target, in order, and titled with the document title and heading path', () => {
    expect(chunks.length).toBeGreaterThan(5);
    chunks.forEach((chunk, i) => {
      expect(chunk.position).toBe(i);
      expect(chunk.text.trim()).not.toBe('');
      expect(chunk.text.length).toBeLessThanOrEqual(600);
    });
    expect(chunks[0]).toMatchObject({ title: 'Warehouse handbook', position: 0 });
    expect(chunks[0]?.section).toBeUndefined();
    expect(
      chunks.filter((c) => c.section === 'Shipping').every((c) => c.title === 'Warehouse handbook > Shipping'),
    ).toBe(true);
    expect(chunks[chunks.length - 1]).toMatchObject({
      title: 'Warehouse handbook > Shipping > Exceptions',
      section: 'Shipping > Exceptions',
      text: 'Fragile items ship separately.',
    });
  });

  it('cuts only between sentences, so every fact is whole in some chunk and no chunk starts or ends mid-word', () => {
    const shipping = chunks.filter((c) => c.section === 'Shipping');
    for (const fact of facts(3, 40)) expect(shipping.some((c) => c.text.includes(fact))).toBe(true);
    const sourceWords = new Set(words(handbook.sections.map((s) => s.text).join(' ')));
    for (const chunk of chunks) {
      const w = words(chunk.text);
      expect(sourceWords.has(w[0] ?? '')).toBe(true);
      expect(sourceWords.has(w[w.length - 1] ?? '')).toBe(true);
      expect(chunk.text).toMatch(/^(Order|Fragile)/);
      expect(chunk.text).toMatch(/\.$/);
    }
  });

  it('repeats the end of a chunk at the start of the next one in the same section, but not across sections', () => {
    const shipping = chunks.filter((c) => c.section === 'Shipping');
    let overlapping = 0;
    for (let i = 1; i < shipping.length; i++) {
      const previous = shipping[i - 1]?.text ?? '';
      const next = shipping[i]?.text ?? '';
      const lastSentence = previous.split(/(?<=\.)\s+/).pop() ?? '';
      const firstSentence = next.split(/(?<=\.)\s+/)[0] ?? '';
      if (lastSentence.length <= 90) {
        // 15% of 600: a last sentence that fits is repeated, starting the next chunk at a sentence of the previous.
        expect(next).toContain(lastSentence);
        expect(previous.endsWith(next.slice(0, next.indexOf(lastSentence) + lastSentence.length))).toBe(true);
        overlapping++;
      } else {
        expect(previous).not.toContain(firstSentence);
      }
    }
    expect(overlapping).toBeGreaterThan(3);
    const firstShipping = shipping[0]?.text ?? '';
    expect(chunks[0]?.text.includes(firstShipping.slice(0, 40))).toBe(false);
  });

  it('is deterministic', () => {
    expect(chunkDocument(structuredClone(handbook), { targetChars: 600 })).toEqual(chunks);
  });

  it('keeps paragraph breaks inside a chunk, and list lines as lines', () => {
    const doc: ExtractedDocument = {
      type: 'text/plain',
      sections: [{ text: 'Opening hours.\n\n- Monday 9-5\n- Tuesday 9-5' }],
    };
    expect(chunkDocument(doc, { fallbackTitle: 'hours.txt' })).toEqual([
      { text: 'Opening hours.\n\n- Monday 9-5\n- Tuesday 9-5', title: 'hours.txt', position: 0 },
    ]);
  });

  it('gives every PDF chunk exactly one page: pages are cut apart, never merged', () => {
    const pdf: ExtractedDocument = {
      type: 'application/pdf',
      title: 'Manual',
      pageCount: 3,
      sections: [
        { page: 1, text: 'Short first page.' },
        { page: 3, text: paragraphs(facts(100, 12), 4) },
      ],
    };
    const pieces: DocumentChunk[] = chunkDocument(pdf, { targetChars: 400 });
    expect(pieces[0]).toEqual({ text: 'Short first page.', title: 'Manual', page: 1, position: 0 });
    expect(pieces.slice(1).every((c) => c.page === 3 && !c.text.includes('first page'))).toBe(true);
    expect(pieces.length).toBeGreaterThan(3);
  });

  it('cuts a sentence longer than the target between words, and a longer "word" where it must', () => {
    const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const blob = 'x'.repeat(250);
    const doc: ExtractedDocument = { type: 'text/plain', sections: [{ text: `${long} ${blob}` }] };
    const pieces = chunkDocument(doc, { targetChars: 200, overlapChars: 0 });
    expect(pieces.every((c) => c.text.length <= 200)).toBe(true);
    const rejoined = pieces.map((c) => c.text).join(' ');
    expect(words(rejoined).slice(0, 120)).toEqual(words(long));
    expect(rejoined.replace(/\s/g, '')).toBe(`${long} ${blob}`.replace(/\s/g, ''));
  });

  it('does not end a sentence at an abbreviation', () => {
    const doc: ExtractedDocument = {
      type: 'text/plain',
      sections: [{ text: `Ask Dr. Smith about item No. 5 today. ${'Padding sentence here. '.repeat(6)}`.trim() }],
    };
    const pieces = chunkDocument(doc, { targetChars: 100, overlapChars: 0 });
    expect(pieces[0]?.text.startsWith('Ask Dr. Smith about item No. 5 today.')).toBe(true);
  });
});

describe('contentHash', () => {
  it('is the sha256 of the content, the same for text and its UTF-8 bytes, and changes with it', () => {
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash(new TextEncoder().encode('abc'))).toBe(contentHash('abc'));
    expect(contentHash('abd')).not.toBe(contentHash('abc'));
  });
});
