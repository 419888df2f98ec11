/** Where the committed retrieval set lives, and how it is read and written (chunks as JSONL, questions as JSON). */
import fs from 'node:fs';
import path from 'node:path';
import type { Chunk } from '../../src/knowledge/types';
import type { LabelledQuestion, RetrievalSet } from './dataset';

const DATA_DIR = path.join(__dirname, 'data');
const CHUNKS_FILE = path.join(DATA_DIR, 'chunks.jsonl');
const QUESTIONS_FILE = path.join(DATA_DIR, 'questions.json');

export function writeRetrievalSet(set: RetrievalSet): { chunksFile: string; questionsFile: string } {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(CHUNKS_FILE, set.chunks.map((chunk) => JSON.stringify(chunk)).join('\n') + '\n');
  fs.writeFileSync(QUESTIONS_FILE, JSON.stringify(set.questions, null, 2) + '\n');
  return { chunksFile: CHUNKS_FILE, questionsFile: QUESTIONS_FILE };
}

export function readRetrievalSet(): RetrievalSet {
  const chunks = fs
    .readFileSync(CHUNKS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Chunk);
  const questions = JSON.parse(fs.readFileSync(QUESTIONS_FILE, 'utf8')) as LabelledQuestion[];
  return { chunks, questions };
}
