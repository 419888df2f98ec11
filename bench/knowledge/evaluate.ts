/**
 * Retrieval quality of ranked results against the labels: recall@k (here: the question's answer — any of
 * its relevant chunks — is among the first k hits) and MRR (mean of 1 / rank of the first relevant hit,
 * 0 when none is returned), overall and per question category.
 */
import { CATEGORIES, type LabelledQuestion, type QuestionCategory } from './dataset';

export const RECALL_AT = 5;

interface Scores {
  questions: number;
  recallAtK: number;
  mrr: number;
}

export type ScoreTable = Record<QuestionCategory | 'all', Scores>;

/** `rankings`: each question's hit ids, best first. */
export function scoreRankings(
  questions: readonly LabelledQuestion[],
  rankings: ReadonlyMap<string, string[]>,
): ScoreTable {
  const table = {} as ScoreTable;
  for (const group of ['all', ...CATEGORIES] as const) {
    const members = questions.filter((question) => group === 'all' || question.category === group);
    let found = 0;
    let reciprocal = 0;
    for (const question of members) {
      const ranking = rankings.get(question.id) ?? [];
      const relevant = new Set(question.relevant);
      const rank = ranking.findIndex((id) => relevant.has(id));
      if (rank >= 0 && rank < RECALL_AT) found++;
      if (rank >= 0) reciprocal += 1 / (rank + 1);
    }
    table[group] = {
      questions: members.length,
      recallAtK: members.length ? found / members.length : 0,
      mrr: members.length ? reciprocal / members.length : 0,
    };
  }
  return table;
}
