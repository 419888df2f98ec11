/**
 * Embeddings from Voyage AI through its SDK (`voyageai`): requests batched within Voyage's limits
 * (1,000 texts, a per-model token budget), vectors fetched base64-encoded (a quarter of the JSON size)
 * and checked against what was asked, and every failure turned into an `EmbeddingError` that names the
 * cause without ever echoing the API key.
 */
import { VoyageAIClient, VoyageAIError, VoyageAITimeoutError } from 'voyageai';
import type { EmbeddingProvider } from '../types';
import { estimateTokens, planBatches, type BatchLimits } from './batching';
import { EmbeddingError } from './errors';

/** The API's own limit on texts per request. */
const VOYAGE_MAX_TEXTS = 1000;
/**
 * Texts per request we send: large enough for indexing throughput, small enough that one slow or failed
 * request (retried whole) costs little.
 */
const TEXTS_PER_REQUEST = 128;
/** Share of the per-request token budget used, so estimate error never turns into a 400. */
const TOKEN_BUDGET_SHARE = 0.8;
/** Characters kept per text: Voyage truncates at the context length anyway; this bounds what we upload. */
const CHARS_PER_CONTEXT_TOKEN = 5;
const REQUESTS_IN_FLIGHT = 2;

interface ModelLimits {
  dimensions: readonly number[];
  contextTokens: number;
  batchTokens: number;
}

const FLEXIBLE_DIMENSIONS = [256, 512, 1024, 2048] as const;

/** Documented per-model limits (docs.voyageai.com, embeddings API); unknown models get the strictest. */
const MODEL_LIMITS: Readonly<Record<string, ModelLimits>> = {
  'voyage-4-large': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 120_000 },
  'voyage-4': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 320_000 },
  'voyage-4-lite': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 1_000_000 },
  'voyage-3-large': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 120_000 },
  'voyage-3.5': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 320_000 },
  'voyage-3.5-lite': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 1_000_000 },
  'voyage-code-3': { dimensions: FLEXIBLE_DIMENSIONS, contextTokens: 32_000, batchTokens: 120_000 },
};
const UNKNOWN_MODEL_LIMITS: ModelLimits = { dimensions: [], contextTokens: 16_000, batchTokens: 120_000 };

export interface VoyageProviderOptions {
  apiKey: string;
  /** The API root, as the SDK's environment (`https://api.voyageai.com/v1`); the emulator's in tests. */
  baseUrl?: string;
  model: string;
  dimensions: number;
  /** Indexing: patient (default 30 s for the whole call, 2 SDK retries with backoff on 429/5xx). */
  document?: CallPolicy;
  /** Searching: someone is waiting, and lexical search is the fallback (default 5 s, no retry). */
  query?: CallPolicy;
}

interface CallPolicy {
  /** For the whole call, retries included. */
  timeoutMs: number;
  maxRetries: number;
}

const DEFAULT_POLICIES: Record<'document' | 'query', CallPolicy> = {
  document: { timeoutMs: 30_000, maxRetries: 2 },
  query: { timeoutMs: 5_000, maxRetries: 0 },
};

export class VoyageEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;
  readonly dimensions: number;
  private readonly client: VoyageAIClient;
  private readonly limits: BatchLimits;
  private readonly maxChars: number;
  private readonly policies: Record<'document' | 'query', CallPolicy>;

  constructor(private readonly options: VoyageProviderOptions) {
    if (options.apiKey.trim().length === 0)
      throw new EmbeddingError('config', 'Voyage embeddings need an API key (VOYAGE_API_KEY)');
    const model = MODEL_LIMITS[options.model] ?? UNKNOWN_MODEL_LIMITS;
    if (model.dimensions.length > 0 && !model.dimensions.includes(options.dimensions))
      throw new EmbeddingError(
        'config',
        `Voyage model ${options.model} offers dimensions ${model.dimensions.join(', ')}, not ${options.dimensions}`,
      );
    this.name = `voyage:${options.model}`;
    this.dimensions = options.dimensions;
    this.limits = {
      maxTexts: Math.min(TEXTS_PER_REQUEST, VOYAGE_MAX_TEXTS),
      maxTokens: Math.floor(model.batchTokens * TOKEN_BUDGET_SHARE),
    };
    this.maxChars = model.contextTokens * CHARS_PER_CONTEXT_TOKEN;
    this.policies = {
      document: options.document ?? DEFAULT_POLICIES.document,
      query: options.query ?? DEFAULT_POLICIES.query,
    };
    this.client = new VoyageAIClient({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    });
  }

  async embed(texts: string[], input: 'document' | 'query'): Promise<Float32Array[]> {
    const empty = texts.findIndex((text) => text.trim().length === 0);
    if (empty >= 0) throw new EmbeddingError('bad_request', `cannot embed an empty text (input ${empty})`);
    // Voyage truncates over-long texts itself (truncation: true); cutting here only bounds the upload.
    const prepared = texts.map((text) => (text.length > this.maxChars ? text.slice(0, this.maxChars) : text));
    const tokenCounts = prepared.map((text) => Math.min(estimateTokens(text), this.limits.maxTokens));
    const batches = planBatches(tokenCounts, this.limits);
    const vectors = new Array<Float32Array>(texts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const [start, end] = batches[next++]!;
        const batch = await this.request(prepared.slice(start, end), input);
        batch.forEach((vector, offset) => (vectors[start + offset] = vector));
      }
    };
    await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, batches.length) }, worker));
    return vectors;
  }

  private async request(texts: string[], input: 'document' | 'query'): Promise<Float32Array[]> {
    const policy = this.policies[input];
    // Our own deadline for the whole call, retries included; it is also how a timeout is told apart from other
    // aborts (the SDK's own timeout detection depends on the realm's Error class).
    const deadline = AbortSignal.timeout(policy.timeoutMs);
    let response: Awaited<ReturnType<VoyageAIClient['embed']>>;
    try {
      response = await this.client.embed(
        {
          input: texts,
          model: this.options.model,
          inputType: input,
          outputDimension: this.dimensions,
          truncation: true,
          encodingFormat: 'base64',
        },
        { timeoutInSeconds: policy.timeoutMs / 1000, maxRetries: policy.maxRetries, abortSignal: deadline },
      );
    } catch (error) {
      throw deadline.aborted
        ? new EmbeddingError(
            'timeout',
            `Voyage embeddings (${this.options.model}): no answer within ${policy.timeoutMs} ms`,
          )
        : this.describe(error);
    }
    return this.decode(response, texts.length);
  }

  /** Puts each vector at its `index`, checking count, dimension and values. */
  private decode(
    response: { data?: Array<{ embedding?: unknown; index?: number }> },
    expected: number,
  ): Float32Array[] {
    const data = response.data ?? [];
    if (data.length !== expected)
      throw new EmbeddingError('bad_response', `Voyage answered ${data.length} embeddings for ${expected} texts`);
    const vectors = new Array<Float32Array | undefined>(expected);
    data.forEach((item, position) => {
      const index = item.index ?? position;
      const vector = toVector(item.embedding);
      if (index < 0 || index >= expected || vectors[index] !== undefined)
        throw new EmbeddingError('bad_response', `Voyage answered an embedding for an unknown index ${index}`);
      if (vector?.length !== this.dimensions || !vector.every(Number.isFinite))
        throw new EmbeddingError(
          'bad_response',
          `Voyage answered an embedding of ${vector?.length ?? 0} values; ${this.dimensions} were asked for`,
        );
      vectors[index] = vector;
    });
    return vectors as Float32Array[];
  }

  private describe(error: unknown): EmbeddingError {
    const where = `Voyage embeddings (${this.options.model})`;
    if (error instanceof EmbeddingError) return error;
    if (error instanceof VoyageAITimeoutError) return new EmbeddingError('timeout', `${where}: no answer in time`);
    if (!(error instanceof VoyageAIError))
      return new EmbeddingError('unavailable', `${where}: ${this.redact(errorText(error))}`);
    const status = error.statusCode;
    if (status === undefined)
      return new EmbeddingError('unavailable', `${where}: unreachable (${this.redact(error.message)})`);
    const detail = this.redact(detailOf(error.body));
    const said = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403)
      return new EmbeddingError('auth', `${where}: the API key was refused (${status}); check VOYAGE_API_KEY`, status);
    if (status === 429) return new EmbeddingError('rate_limited', `${where}: rate limited (429)${said}`, status);
    if (status >= 500) return new EmbeddingError('unavailable', `${where}: provider error (${status})${said}`, status);
    return new EmbeddingError('bad_request', `${where}: request rejected (${status})${said}`, status);
  }

  /** Provider text is not ours to trust: a misconfigured proxy could echo the Authorization header. */
  private redact(text: string): string {
    return text.split(this.options.apiKey).join('[redacted]');
  }
}

function toVector(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    if (bytes.length % 4 !== 0) return undefined;
    const vector = new Float32Array(bytes.length / 4);
    for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
    return vector;
  }
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number'))
    return Float32Array.from(embedding);
  return undefined;
}

/** Voyage's error bodies are `{"detail": "…"}`; anything else is summarised, never dumped whole. */
function detailOf(body: unknown): string {
  const detail = body !== null && typeof body === 'object' ? (body as { detail?: unknown }).detail : body;
  const text = typeof detail === 'string' ? detail : detail === undefined ? '' : JSON.stringify(detail);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
