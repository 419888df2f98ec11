/** The labelled retrieval set's shapes: chunks (as indexed) and questions with the chunks that answer them. */
import type { Chunk, SearchScope } from '../../src/knowledge/types';

export type QuestionCategory =
  /** Worded differently from the answer: few shared words. */
  | 'paraphrase'
  /** Hinges on an exact number (order, invoice) while near-miss numbers sit in other chunks. */
  | 'number'
  /** Hinges on a person's name while similar names sit in other chunks. */
  | 'name'
  /** Near-duplicate chunks (same template, another product or branch): only one detail tells them apart. */
  | 'near_miss'
  /** A customer asking about their own history ("what did I tell you…"), scoped to that customer. */
  | 'customer';

export const CATEGORIES: readonly QuestionCategory[] = ['paraphrase', 'number', 'name', 'near_miss', 'customer'];

export interface LabelledQuestion {
  id: string;
  category: QuestionCategory;
  text: string;
  scope: SearchScope;
  /** Any of these chunks answers the question. */
  relevant: string[];
}

export interface RetrievalSet {
  chunks: Chunk[];
  questions: LabelledQuestion[];
}

export const HOME_ACCOUNT = 'AC' + '4e'.repeat(16);
export const CLINIC_ACCOUNT = 'AC' + 'c1'.repeat(16);
