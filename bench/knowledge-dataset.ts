/**
 * Regenerates the labelled retrieval set (bench/knowledge/data) from its seed. The output is committed;
 * run this after changing the generator and commit both.
 *
 *   npm run bench:knowledge-dataset
 */
import { buildRetrievalSet } from './knowledge/build';
import { writeRetrievalSet } from './knowledge/files';

const set = buildRetrievalSet();
const files = writeRetrievalSet(set);
console.log(`${set.chunks.length} chunks -> ${files.chunksFile}`);
console.log(`${set.questions.length} questions -> ${files.questionsFile}`);
