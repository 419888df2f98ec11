import {
  CitationMarkerFilter,
  citationsFor,
  formatPassages,
  resolveCitations,
  type KnowledgePassage,
} from '../../src/knowledge/citations';

const passage = (n: number, chunkId: string, text: string): KnowledgePassage => ({
  n,
  chunkId,
  kind: 'document',
  title: `Doc ${chunkId}`,
  source: { kind: 'document', knowledgeBaseId: 'kb1', documentId: 'd1', title: `Doc ${chunkId}`, page: n, position: n },
  text,
});

const passages = [passage(1, 'c1', 'Refunds take 14 days.'), passage(2, 'c2', 'We open at 9.')];

describe('citations', () => {
  it('takes the markers of known passages out and records each cited chunk once, in order', () => {
    const { text, citations } = resolveCitations(
      'We open at 9 [2]. Refunds take 14 days [1][2], see [1, 2].',
      passages,
    );
    expect(text).toBe('We open at 9. Refunds take 14 days, see.');
    expect(citations.map((c) => c.chunkId)).toEqual(['c2', 'c1']);
    expect(citations[0]).toEqual({ chunkId: 'c2', kind: 'document', title: 'Doc c2', source: passages[1]!.source });
  });

  it('leaves a bracketed number that names no passage as written, and cites nothing without markers', () => {
    expect(resolveCitations('Option [3] is best.', passages)).toEqual({ text: 'Option [3] is best.', citations: [] });
    expect(resolveCitations('Hello there.', [])).toEqual({ text: 'Hello there.', citations: [] });
  });

  it('numbers passages with their origin in the prompt block', () => {
    const block = formatPassages(passages);
    expect(block).toContain('[1] Doc c1 (document, page 1)\nRefunds take 14 days.');
    expect(block).toContain('[2] Doc c2 (document, page 2)\nWe open at 9.');
  });

  it('strips markers from a stream even when a marker is split across deltas', () => {
    const filter = new CitationMarkerFilter();
    const deltas = ['Refunds take 14 days', ' [', '1', '] and we open', ' at 9 [2', ']. Costs [a] too'];
    const spoken = deltas.map((d) => filter.push(d)).join('') + filter.flush();
    expect(spoken).toBe('Refunds take 14 days and we open at 9. Costs [a] too');
    expect(filter.cited).toEqual([1, 2]);
    expect(citationsFor(filter.cited, passages).map((c) => c.chunkId)).toEqual(['c1', 'c2']);
  });

  it('gives back held text that turned out not to be a marker at the end', () => {
    const filter = new CitationMarkerFilter();
    expect(filter.push('Press [1')).toBe('Press');
    expect(filter.flush()).toBe(' [1');
  });
});
