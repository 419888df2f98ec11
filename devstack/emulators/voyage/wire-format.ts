/**
 * Voyage's `POST /v1/embeddings` as it is on the wire: the request's fields and their limits (list length,
 * tokens per batch, context length, the dimensions each model offers), and the `{"detail": …}` error bodies.
 */
import type { InputType } from './types';

/** Texts per request, for every model. */
const MAX_INPUTS = 1000;

interface ModelSpec {
  defaultDimension: number;
  dimensions: readonly number[];
  /** Tokens per text; longer texts are truncated, or rejected with `truncation: false`. */
  contextTokens: number;
  /** Tokens per request, counted after truncation. */
  batchTokens: number;
}

const FLEXIBLE = [256, 512, 1024, 2048] as const;
const flexible = (batchTokens: number): ModelSpec => ({
  defaultDimension: 1024,
  dimensions: FLEXIBLE,
  contextTokens: 32_000,
  batchTokens,
});

const MODELS: Readonly<Record<string, ModelSpec>> = {
  'voyage-4-large': flexible(120_000),
  'voyage-4': flexible(320_000),
  'voyage-4-lite': flexible(1_000_000),
  'voyage-3-large': flexible(120_000),
  'voyage-3.5': flexible(320_000),
  'voyage-3.5-lite': flexible(1_000_000),
  'voyage-code-3': flexible(120_000),
  'voyage-3': { defaultDimension: 1024, dimensions: [1024], contextTokens: 32_000, batchTokens: 320_000 },
  'voyage-3-lite': { defaultDimension: 512, dimensions: [512], contextTokens: 32_000, batchTokens: 1_000_000 },
  'voyage-finance-2': { defaultDimension: 1024, dimensions: [1024], contextTokens: 32_000, batchTokens: 120_000 },
  'voyage-law-2': { defaultDimension: 1024, dimensions: [1024], contextTokens: 16_000, batchTokens: 120_000 },
};

/** Roughly Voyage's tokenizer on English: about four characters a token. */
const CHARS_PER_TOKEN = 4;

export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** The first `tokens` tokens' worth of text. */
export function truncateToTokens(text: string, tokens: number): string {
  return text.slice(0, tokens * CHARS_PER_TOKEN);
}

export interface EmbeddingsRequest {
  texts: string[];
  model: string;
  spec: ModelSpec;
  inputType: InputType | null;
  truncation: boolean;
  outputDimension: number | null;
  dimension: number;
  encodingFormat: 'base64' | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Validates a request body as the API does, answering its 400 `detail` when something is wrong. */
export function parseEmbeddingsRequest(raw: string): Parsed<EmbeddingsRequest> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, detail: 'Request body is not valid JSON.' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, detail: 'Request body must be a JSON object.' };
  const fields = body as Record<string, unknown>;

  const input = fields.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || !texts.every((text): text is string => typeof text === 'string'))
    return { ok: false, detail: "Value of 'input' must be a string or a list of strings." };
  if (texts.length === 0 || texts.some((text) => text.length === 0))
    return { ok: false, detail: 'Input cannot contain empty strings or empty lists.' };
  if (texts.length > MAX_INPUTS)
    return {
      ok: false,
      detail: `The batch size limit is ${MAX_INPUTS}. Your batch size is ${texts.length}. Please lower the batch size.`,
    };

  const model = fields.model;
  if (typeof model !== 'string') return { ok: false, detail: "Field 'model' is required." };
  const spec = MODELS[model];
  if (!spec)
    return {
      ok: false,
      detail: `Model ${model} is not supported. Supported models are ${Object.keys(MODELS).join(', ')}.`,
    };

  const inputType = fields.input_type ?? null;
  if (inputType !== null && inputType !== 'query' && inputType !== 'document')
    return { ok: false, detail: "Value of 'input_type' must be 'query', 'document' or null." };

  const truncation = fields.truncation ?? true;
  if (typeof truncation !== 'boolean') return { ok: false, detail: "Value of 'truncation' must be a boolean." };

  const outputDimension = fields.output_dimension ?? null;
  if (outputDimension !== null && (typeof outputDimension !== 'number' || !spec.dimensions.includes(outputDimension)))
    return {
      ok: false,
      detail: `Model ${model} does not support output_dimension=${JSON.stringify(outputDimension)}. Supported values are ${spec.dimensions.join(', ')}.`,
    };

  const dtype = fields.output_dtype ?? 'float';
  if (dtype !== 'float')
    return { ok: false, detail: `output_dtype=${JSON.stringify(dtype)} is not supported here; use 'float'.` };

  const encodingFormat = fields.encoding_format ?? null;
  if (encodingFormat !== null && encodingFormat !== 'base64')
    return { ok: false, detail: "Value of 'encoding_format' must be 'base64' or null." };

  return {
    ok: true,
    value: {
      texts,
      model,
      spec,
      inputType,
      truncation,
      outputDimension,
      dimension: outputDimension ?? spec.defaultDimension,
      encodingFormat,
    },
  };
}

/** Little-endian float32, base64 — what Voyage answers with `encoding_format: "base64"`. */
export function base64Embedding(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}

export const DETAIL = {
  unauthorized: 'Provided API key is invalid.',
  rateLimited:
    'You have exceeded your rate limit (RPM or TPM). Please slow down, or see https://docs.voyageai.com/docs/rate-limits.',
  serverError: 'Internal server error. Please retry after a brief wait.',
  unavailable: 'Service temporarily unavailable due to high traffic. Please retry after a brief wait.',
} as const;

export function defaultDetail(status: number): string {
  if (status === 401) return DETAIL.unauthorized;
  if (status === 429) return DETAIL.rateLimited;
  if (status === 502 || status === 503 || status === 504) return DETAIL.unavailable;
  if (status >= 500) return DETAIL.serverError;
  return `Request failed with status ${status}.`;
}
