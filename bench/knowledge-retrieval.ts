/**
 * Retrieval quality on the labelled set (bench/knowledge/data: ≥5,000 chunks of call transcripts, messages
 * and documents; ≥200 questions): recall@5 and MRR for lexical-only, vector-only and hybrid search,
 * overall and per question category. Embeddings come from the Voyage emulator through the real provider.
 *
 *   npm run bench:knowledge-retrieval
 */
import { CATEGORIES } from './knowledge/dataset';
import { RECALL_AT } from './knowledge/evaluate';
import { readRetrievalSet } from './knowledge/files';
import { runRetrieval } from './knowledge/retrieval-run';
import type { SearchMode } from '../src/knowledge/types';

const MODES: SearchMode[] = ['lexical', 'vector', 'hybrid'];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const { chunks, questions } = readRetrievalSet();
  console.log(`retrieval set: ${chunks.length} chunks, ${questions.length} questions`);
  const run = await runRetrieval(chunks, questions, MODES);
  console.log(
    `indexed (embedded through the Voyage emulator, written, optimized) in ${run.indexSeconds.toFixed(1)} s\n`,
  );

  const groups = ['all', ...CATEGORIES] as const;
  const header = ['category', 'n', ...MODES.flatMap((mode) => [`${mode} R@${RECALL_AT}`, `${mode} MRR`])];
  const rows = groups.map((group) => [
    group,
    String(run.scores.hybrid[group].questions),
    ...MODES.flatMap((mode) => {
      const scores = run.scores[mode][group];
      return [scores.recallAtK.toFixed(3), scores.mrr.toFixed(3)];
    }),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log('');
  for (const mode of MODES)
    console.log(
      `${mode} search latency (query embedding included): p50 ${percentile(run.latencies[mode], 50).toFixed(1)} ms, p90 ${percentile(run.latencies[mode], 90).toFixed(1)} ms`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
