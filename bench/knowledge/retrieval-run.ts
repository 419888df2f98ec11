/**
 * Runs labelled questions against a temporary store holding the set's chunks, embedded through the Voyage
 * emulator by the real provider (SDK and all), and scores lexical, vector and hybrid search.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VoyageEmulator } from '../../devstack/emulators/voyage';
import type { KnowledgeConfig } from '../../src/config/schema';
import { createEmbeddingProvider } from '../../src/knowledge/embeddings';
import { openKnowledge } from '../../src/knowledge/knowledge';
import type { Chunk, SearchMode } from '../../src/knowledge/types';
import { createLogger } from '../../src/observability/logger';
import type { LabelledQuestion } from './dataset';
import { scoreRankings, type ScoreTable } from './evaluate';

const API_KEY = 'bench-voyage-key';
/** Hits fetched per question: enough for MRR to see answers just below the recall cut-off. */
const RANKED = 10;
/** Chunks embedded and written per step, as an indexing activity would. */
const WRITE_BATCH = 512;

export interface RetrievalRun {
  scores: Record<SearchMode, ScoreTable>;
  indexSeconds: number;
  /** Per-question search latency, milliseconds, by mode (embedding the query included). */
  latencies: Record<SearchMode, number[]>;
}

export async function runRetrieval(
  chunks: readonly Chunk[],
  questions: readonly LabelledQuestion[],
  modes: readonly SearchMode[] = ['lexical', 'vector', 'hybrid'],
): Promise<RetrievalRun> {
  const emulator = new VoyageEmulator({ apiKey: API_KEY });
  await emulator.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-retrieval-'));
  const config: KnowledgeConfig = {
    storeUri: dir,
    storageOptions: {},
    embeddings: {
      provider: 'voyage',
      apiKey: API_KEY,
      baseUrl: emulator.baseUrl,
      model: 'voyage-3.5-lite',
      dimensions: 512,
    },
    documents: { maxBytes: 10 * 1024 * 1024, fetchTimeoutMs: 15_000, allowPrivateUrls: false },
    retrieval: { messagingTopK: 4, voiceTopK: 3, voiceDebounceMs: 120, voiceWaitBudgetMs: 30 },
    optimizeIntervalMinutes: 10,
  };
  const embeddings = createEmbeddingProvider(config.embeddings);
  const knowledge = await openKnowledge(config, {
    log: createLogger('bench', 'silent'),
    ...(embeddings ? { embeddings } : {}),
  });
  try {
    const started = performance.now();
    for (let start = 0; start < chunks.length; start += WRITE_BATCH)
      await knowledge.indexChunks(chunks.slice(start, start + WRITE_BATCH));
    await knowledge.index.optimize();
    const indexSeconds = (performance.now() - started) / 1000;

    const scores = {} as Record<SearchMode, ScoreTable>;
    const latencies = { lexical: [], vector: [], hybrid: [] } as Record<SearchMode, number[]>;
    for (const mode of modes) {
      const rankings = new Map<string, string[]>();
      for (const question of questions) {
        const asked = performance.now();
        const result = await knowledge.search({ text: question.text, scope: question.scope, limit: RANKED, mode });
        if (result.degraded) throw new Error(`search degraded to ${result.mode}: ${result.degraded}`);
        latencies[mode].push(performance.now() - asked);
        rankings.set(
          question.id,
          result.hits.map((hit) => hit.chunk.id),
        );
      }
      scores[mode] = scoreRankings(questions, rankings);
    }
    return { scores, indexSeconds, latencies };
  } finally {
    await knowledge.close();
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
