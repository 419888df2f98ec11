import { buildRetrievalSet } from '../../bench/knowledge/build';
import { readRetrievalSet } from '../../bench/knowledge/files';
import { runRetrieval } from '../../bench/knowledge/retrieval-run';

const committed = readRetrievalSet();

describe('the labelled retrieval set', () => {
  it('is what the seeded generator produces, and big enough', () => {
    const generated = buildRetrievalSet();
    expect(generated.questions).toEqual(committed.questions);
    expect(generated.chunks).toEqual(committed.chunks);
    expect(committed.chunks.length).toBeGreaterThanOrEqual(5_000);
    expect(committed.questions.length).toBeGreaterThanOrEqual(200);
  });

  it('labels every question with chunks that exist and that its scope can reach', () => {
    const byId = new Map(committed.chunks.map((chunk) => [chunk.id, chunk]));
    expect(byId.size).toBe(committed.chunks.length);
    for (const question of committed.questions) {
      expect(question.relevant.length).toBeGreaterThan(0);
      for (const id of question.relevant) {
        const chunk = byId.get(id)!;
        expect(chunk.accountSid).toBe(question.scope.accountSid);
        if (chunk.customerId)
          expect(question.scope.allCustomers || question.scope.customerIds?.includes(chunk.customerId)).toBe(true);
        else expect(question.scope.allKnowledgeBases || question.scope.knowledgeBaseIds).toBeTruthy();
      }
    }
  });
});

describe('retrieval on a slice of the set (documents, some transcripts, the questions they answer)', () => {
  it('finds more answers with hybrid search than with words alone, overall and when worded differently', async () => {
    const documents = committed.chunks.filter((chunk) => chunk.source.kind === 'document');
    const conversations = committed.chunks.filter((chunk) => chunk.source.kind !== 'document').slice(0, 2_000);
    const chunks = [...documents, ...conversations];
    // Every question the slice can answer (all its relevant chunks are in it); the rest of the store is noise.
    const inSlice = new Set(chunks.map((chunk) => chunk.id));
    const questions = committed.questions.filter((question) => question.relevant.every((id) => inSlice.has(id)));
    const run = await runRetrieval(chunks, questions, ['lexical', 'vector', 'hybrid']);
    const recall = (mode: 'lexical' | 'vector' | 'hybrid', group: 'all' | 'paraphrase' | 'number') =>
      run.scores[mode][group].recallAtK;
    expect(run.scores.hybrid.paraphrase.questions).toBeGreaterThanOrEqual(30);
    expect(run.scores.hybrid.all.questions).toBeGreaterThanOrEqual(100);
    expect(recall('vector', 'paraphrase')).toBeGreaterThan(recall('lexical', 'paraphrase') + 0.1);
    expect(recall('hybrid', 'paraphrase')).toBeGreaterThan(recall('lexical', 'paraphrase'));
    expect(recall('hybrid', 'all')).toBeGreaterThan(recall('lexical', 'all'));
    // Exact identifiers (order and invoice numbers) stay found: fusion must not trade them for paraphrases.
    expect(recall('hybrid', 'number')).toBeGreaterThanOrEqual(recall('lexical', 'number'));
  }, 240_000);
});
