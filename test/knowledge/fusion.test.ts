import { fuseScores, identifierTokens } from '../../src/knowledge/fusion';
import { topicWords } from '../../src/knowledge/query-text';

interface Doc {
  id: string;
  text: string;
}
const options = (identifiers: string[] = []) => ({
  key: (doc: Doc) => doc.id,
  text: (doc: Doc) => doc.text,
  identifiers,
});
const doc = (id: string, text = id): Doc => ({ id, text });
const ids = (fused: Array<{ item: Doc }>) => fused.map(({ item }) => item.id);

describe('hybrid score fusion', () => {
  it('keeps a clear lexical winner on top when the vector list is flat', () => {
    const lexical = [
      { item: doc('exact'), score: 12 },
      { item: doc('b'), score: 3 },
      { item: doc('c'), score: 2.5 },
    ];
    // Near-equal cosines: the vector list has no real preference, so it must not outvote BM25's margin.
    const vector = [
      { item: doc('c'), score: 0.42 },
      { item: doc('b'), score: 0.419 },
      { item: doc('exact'), score: 0.418 },
    ];
    expect(ids(fuseScores(lexical, vector, options()))[0]).toBe('exact');
  });

  it('lifts a chunk only the vector search found, when it is far ahead there', () => {
    const lexical = [
      { item: doc('a'), score: 5 },
      { item: doc('b'), score: 4.9 },
      { item: doc('c'), score: 4.8 },
    ];
    const vector = [
      { item: doc('meaning'), score: 0.9 },
      { item: doc('c'), score: 0.3 },
      { item: doc('a'), score: 0.2 },
    ];
    const fused = ids(fuseScores(lexical, vector, options()));
    expect(fused.indexOf('meaning')).toBeLessThan(fused.indexOf('b'));
    expect(new Set(fused)).toEqual(new Set(['a', 'b', 'c', 'meaning']));
  });

  it('ranks chunks containing the query identifiers above near-miss numbers', () => {
    const lexical = [
      { item: doc('near', 'order 4512 is late'), score: 9 },
      { item: doc('exact', 'order 4521 is late'), score: 8 },
      { item: doc('other', 'order 4251 was delivered'), score: 4 },
    ];
    const vector = [
      { item: doc('near', 'order 4512 is late'), score: 0.8 },
      { item: doc('exact', 'order 4521 is late'), score: 0.79 },
      { item: doc('other', 'order 4251 was delivered'), score: 0.6 },
    ];
    expect(ids(fuseScores(lexical, vector, options(['4521'])))[0]).toBe('exact');
    expect(ids(fuseScores(lexical, vector, options()))[0]).toBe('near');
  });

  it('handles empty and single-item lists', () => {
    expect(fuseScores<Doc>([], [], options())).toEqual([]);
    expect(fuseScores([], [{ item: doc('only'), score: 0.1 }], options())).toEqual([{ item: doc('only'), score: 0.4 }]);
  });
});

describe('query words', () => {
  it('takes identifiers: three or more characters with a digit', () => {
    expect(identifierTokens('Why is invoice 48806 on hold, and claim WC-4380? Back in 3 weeks at 3pm')).toEqual([
      '48806',
      'wc-4380',
      '3pm',
    ]);
    expect(identifierTokens('no numbers here')).toEqual([]);
  });

  it('drops conversational framing from a question, but never everything', () => {
    expect(topicWords('What did I tell you was broken when my delivery came?')).toBe('broken delivery came?');
    expect(topicWords('What did you tell me?')).toBe('What did you tell me?');
  });
});
