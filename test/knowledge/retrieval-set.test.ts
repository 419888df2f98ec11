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

describe('retrieval on a slice of the set (documents, some transcripts, the paraphrased questions)', () => {
  it('finds more answers worded differently from the question with hybrid search than with words alone', async () => {
    const questions = committed.questions.filter((question) => question.category === 'paraphrase');
    // Transcripts are out of these questions' scope, but they are in the store's word statistics, as in production.
    const documents = committed.chunks.filter((chunk) => chunk.source.kind === 'document');
    const conversations = committed.chunks.filter((chunk) => chunk.source.kind !== 'document').slice(0, 2_000);
    const chunks = [...documents, ...conversations];
    const run = await runRetrieval(chunks, questions, ['lexical', 'vector', 'hybrid']);
    const recall = (mode: 'lexical' | 'vector' | 'hybrid') => run.scores[mode].paraphrase.recallAtK;
    expect(questions.length).toBeGreaterThanOrEqual(30);
    expect(recall('vector')).toBeGreaterThan(recall('lexical') + 0.1);
    expect(recall('hybrid')).toBeGreaterThan(recall('lexical'));
  }, 180_000);
});
