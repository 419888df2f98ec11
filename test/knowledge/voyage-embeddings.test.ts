import { VoyageEmulator } from '../../devstack/emulators/voyage';
import { createEmbeddingProvider, EmbeddingError } from '../../src/knowledge/embeddings';
import { VoyageEmbeddingProvider } from '../../src/knowledge/embeddings/voyage';

const API_KEY = 'pa-secret-voyage-key-0123456789';

let emulator: VoyageEmulator;

beforeAll(async () => {
  emulator = new VoyageEmulator({ apiKey: API_KEY });
  await emulator.start();
}, 120_000);

afterAll(() => emulator.stop());

function provider(overrides: Partial<ConstructorParameters<typeof VoyageEmbeddingProvider>[0]> = {}) {
  return new VoyageEmbeddingProvider({
    apiKey: API_KEY,
    baseUrl: emulator.baseUrl,
    model: 'voyage-3.5-lite',
    dimensions: 512,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<EmbeddingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EmbeddingError);
  expect((error as Error).message).not.toContain(API_KEY);
  return error as EmbeddingError;
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('createEmbeddingProvider', () => {
  it('returns no provider for "none": search stays lexical', () => {
    expect(createEmbeddingProvider({ provider: 'none', model: 'voyage-3.5-lite', dimensions: 512 })).toBeUndefined();
  });

  it('builds a Voyage provider named after its model', () => {
    const voyage = createEmbeddingProvider({
      provider: 'voyage',
      apiKey: API_KEY,
      baseUrl: emulator.baseUrl,
      model: 'voyage-3.5-lite',
      dimensions: 1024,
    });
    expect(voyage).toMatchObject({ name: 'voyage:voyage-3.5-lite', dimensions: 1024 });
  });

  it('refuses a Voyage provider with no key, or a dimension the model does not offer', () => {
    expect(() => createEmbeddingProvider({ provider: 'voyage', model: 'voyage-3.5-lite', dimensions: 512 })).toThrow(
      /VOYAGE_API_KEY/,
    );
    expect(() => provider({ dimensions: 768 })).toThrow(/256, 512, 1024, 2048, not 768/);
  });
});

describe('VoyageEmbeddingProvider through the SDK and the emulator', () => {
  it('embeds documents and queries as unit Float32Arrays of the configured dimension', async () => {
    const voyage = provider();
    const before = emulator.requests.length;
    const [document] = await voyage.embed(['The refund policy allows returns within 30 days.'], 'document');
    const [query] = await voyage.embed(['can I return it'], 'query');
    expect(document).toBeInstanceOf(Float32Array);
    expect(document).toHaveLength(512);
    expect(Math.hypot(...query!)).toBeCloseTo(1, 5);
    expect(emulator.requests.slice(before).map((r) => [r.inputType, r.outputDimension, r.encodingFormat])).toEqual([
      ['document', 512, 'base64'],
      ['query', 512, 'base64'],
    ]);
  });

  it('splits many texts into requests of at most 128 and keeps every vector in input order', async () => {
    const voyage = provider();
    const texts = Array.from({ length: 300 }, (_, i) => `Order ${1000 + i} was delivered to aisle ${i % 7}.`);
    const before = emulator.requests.length;
    const vectors = await voyage.embed(texts, 'document');
    const sizes = emulator.requests.slice(before).map((r) => r.inputs);
    expect(sizes.sort((a, b) => b - a)).toEqual([128, 128, 44]);
    for (const i of [0, 127, 128, 255, 299]) {
      const [alone] = await voyage.embed([texts[i]!], 'document');
      expect(dot(vectors[i]!, alone!)).toBeCloseTo(1, 5);
    }
  });

  it('splits by tokens when long texts would exceed the model’s per-request budget', async () => {
    const voyage = provider({ model: 'voyage-3-large', dimensions: 256 }); // 120k tokens per request
    const long = (n: number) => `Section ${n}. ` + 'The warranty covers parts and labour. '.repeat(2_600); // ~100k chars
    const before = emulator.requests.length;
    const vectors = await voyage.embed([1, 2, 3, 4, 5].map(long), 'document');
    const requests = emulator.requests.slice(before);
    expect(vectors).toHaveLength(5);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.every((r) => r.status === 200 && r.tokens! <= 120_000)).toBe(true);
  });

  it('refuses an empty text before calling Voyage', async () => {
    const before = emulator.requests.length;
    const error = await failure(provider().embed(['fine', '  '], 'document'));
    expect(error.failure).toBe('bad_request');
    expect(error.message).toMatch(/empty text \(input 1\)/);
    expect(emulator.requests.length).toBe(before);
  });

  it('names a refused key without repeating it', async () => {
    const error = await failure(provider({ apiKey: 'pa-wrong-key-9876' }).embed(['hello'], 'query'));
    expect(error).toMatchObject({ failure: 'auth', status: 401, retryable: false });
    expect(error.message).toMatch(/API key was refused \(401\); check VOYAGE_API_KEY/);
    expect(error.message).not.toContain('pa-wrong-key-9876');
  });

  it('reports rate limiting on a query at once (no retry: lexical search is the fallback)', async () => {
    emulator.failNext(429);
    const before = emulator.requests.length;
    const error = await failure(provider().embed(['opening hours'], 'query'));
    expect(error).toMatchObject({ failure: 'rate_limited', status: 429, retryable: true });
    expect(error.message).toMatch(/rate limited \(429\): You have exceeded your rate limit/);
    expect(emulator.requests.length - before).toBe(1);
  });

  it('retries documents through a passing 429 (Retry-After honoured by the SDK)', async () => {
    emulator.failNext({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const before = emulator.requests.length;
    const vectors = await provider().embed(['a chunk to index'], 'document');
    expect(vectors).toHaveLength(1);
    expect(emulator.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
  });

  it('reports the provider down: 5xx after retries, and a dropped connection', async () => {
    // Short deadlines: the SDK leaves its per-attempt timer running when a connection fails, until it expires.
    const voyage = provider({ document: { timeoutMs: 1_000, maxRetries: 0 } });
    emulator.failNext(503);
    expect(await failure(voyage.embed(['x'], 'document'))).toMatchObject({ failure: 'unavailable', status: 503 });
    emulator.failNext({ kind: 'drop' });
    const dropped = await failure(voyage.embed(['x'], 'document'));
    expect(dropped.failure).toBe('unavailable');
    expect(dropped.message).toMatch(/unreachable/);
  });

  it('reports a provider that cannot be reached at all', async () => {
    const nowhere = provider({ baseUrl: 'http://127.0.0.1:9/v1', query: { timeoutMs: 1_000, maxRetries: 0 } });
    expect((await failure(nowhere.embed(['x'], 'query'))).failure).toBe('unavailable');
  });

  it('gives up on a slow answer at the query timeout', async () => {
    emulator.failNext({ kind: 'delay', ms: 2_000 });
    const voyage = provider({ query: { timeoutMs: 200, maxRetries: 0 } });
    const started = Date.now();
    const error = await failure(voyage.embed(['slow'], 'query'));
    expect(error).toMatchObject({ failure: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
