import type { KnowledgePassage } from '../../src/knowledge/citations';
import { SpeculativeRetrieval } from '../../src/realtime/speculative-retrieval';

const found = (text: string): KnowledgePassage[] => [
  {
    n: 1,
    chunkId: `chunk-for:${text}`,
    kind: 'document',
    title: 'Policy',
    source: { kind: 'document', knowledgeBaseId: 'kb', documentId: 'd', title: 'Policy', position: 0 },
    text: 'Refunds take 14 days.',
  },
];

/** A search that answers after `ms` (real timers: the class measures with `now`). */
function searcher(ms: number) {
  const searched: string[] = [];
  const search = (text: string) => {
    searched.push(text);
    return new Promise<KnowledgePassage[]>((resolve) => setTimeout(() => resolve(found(text)), ms));
  };
  return { searched, search };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('speculative retrieval', () => {
  it('searches the partial once it stands, and the final transcript uses it at once', async () => {
    const { searched, search } = searcher(20);
    const retrieval = new SpeculativeRetrieval({
      search,
      debounceMs: 30,
      now: () => performance.now(),
      failed: () => {},
    });
    retrieval.onPartial('how long do');
    retrieval.onPartial('how long do refunds');
    await sleep(10);
    retrieval.onPartial('how long do refunds take');
    await sleep(120);
    const turn = await retrieval.forTurn('How long do refunds take?', 30);
    expect(searched).toEqual(['how long do refunds take']);
    expect(turn.outcome).toBe('speculative');
    expect(turn.passages[0]!.chunkId).toBe('chunk-for:how long do refunds take');
    expect(turn.waitedMs).toBeLessThan(10);
  });

  it('drops a speculation the final words went beyond, and answers without a search not ready in the budget', async () => {
    const { searched, search } = searcher(200);
    const retrieval = new SpeculativeRetrieval({
      search,
      debounceMs: 10,
      now: () => performance.now(),
      failed: () => {},
    });
    retrieval.onPartial('refund policy');
    await sleep(30);
    const started = performance.now();
    const turn = await retrieval.forTurn('Refund policy, and also what are your opening hours on Sunday?', 30);
    expect(performance.now() - started).toBeLessThan(150);
    expect(searched).toEqual(['refund policy', 'Refund policy, and also what are your opening hours on Sunday?']);
    expect(turn).toMatchObject({ outcome: 'late', passages: [] });
    expect(turn.waitedMs).toBeGreaterThanOrEqual(25);
  });

  it('takes a fresh search that is ready within the budget, and skips small talk', async () => {
    const { searched, search } = searcher(1);
    const retrieval = new SpeculativeRetrieval({
      search,
      debounceMs: 50,
      now: () => performance.now(),
      failed: () => {},
    });
    expect((await retrieval.forTurn('Okay, thanks.', 30)).outcome).toBe('none');
    const turn = await retrieval.forTurn('What is the refund policy?', 30);
    expect(turn.outcome).toBe('fresh');
    expect(searched).toEqual(['What is the refund policy?']);
  });

  it('reports a failed search and answers without it', async () => {
    const failures: unknown[] = [];
    const retrieval = new SpeculativeRetrieval({
      search: () => Promise.reject(new Error('index unavailable')),
      debounceMs: 10,
      now: () => performance.now(),
      failed: (error) => failures.push(error),
    });
    const turn = await retrieval.forTurn('What is the refund policy?', 30);
    expect(turn).toMatchObject({ outcome: 'failed', passages: [] });
    expect(failures).toHaveLength(1);
  });
});
