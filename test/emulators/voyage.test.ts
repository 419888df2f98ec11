import { VoyageAIClient } from 'voyageai';
import { VoyageEmulator } from '../../devstack/emulators/voyage';

const API_KEY = 'voyage-emulator-key';
const MODEL = 'voyage-3.5-lite';

let emulator: VoyageEmulator;
let client: VoyageAIClient;

beforeAll(async () => {
  emulator = new VoyageEmulator({ apiKey: API_KEY });
  await emulator.start();
  client = new VoyageAIClient({ apiKey: API_KEY, baseUrl: emulator.baseUrl, maxRetries: 0 });
}, 120_000);

afterAll(() => emulator.stop());

async function post(body: unknown, key = API_KEY): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emulator.baseUrl}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function embed(texts: string[], inputType: 'query' | 'document' = 'document'): Promise<number[][]> {
  const response = await client.embed({ input: texts, model: MODEL, inputType, outputDimension: 512 });
  return (response.data ?? []).map((item) => item.embedding ?? []);
}

const cosine = (a: number[], b: number[]): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('Voyage emulator: wire format', () => {
  it('answers the SDK with a list of unit vectors of the asked dimension, in order, with token usage', async () => {
    const response = await client.embed({
      input: ['The sofa arrived on Tuesday.', 'Refunds take ten business days.'],
      model: MODEL,
      inputType: 'document',
      outputDimension: 256,
    });
    expect(response.object).toBe('list');
    expect(response.model).toBe(MODEL);
    expect(response.usage?.totalTokens).toBeGreaterThan(0);
    expect(response.data?.map((item) => [item.object, item.index, item.embedding?.length])).toEqual([
      ['embedding', 0, 256],
      ['embedding', 1, 256],
    ]);
    const norm = Math.hypot(...response.data![0]!.embedding!);
    expect(norm).toBeCloseTo(1, 5);
    const last = emulator.requests.at(-1)!;
    expect(last).toMatchObject({ model: MODEL, inputType: 'document', inputs: 2, outputDimension: 256, status: 200 });
  });

  it('encodes base64 as little-endian float32, the same vectors as the JSON numbers', async () => {
    const text = 'Order 4521 was delivered to 12 Elm Street.';
    const [plain] = await embed([text]);
    const { status, json } = await post({
      input: [text],
      model: MODEL,
      output_dimension: 512,
      encoding_format: 'base64',
    });
    expect(status).toBe(200);
    const encoded = (json.data as Array<{ embedding: string }>)[0]!.embedding;
    const bytes = Buffer.from(encoded, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toHaveLength(512);
    decoded.forEach((value, i) => expect(value).toBeCloseTo(plain![i]!, 6));
  });

  it('defaults to the model’s own dimension, and is deterministic', async () => {
    const first = await post({ input: 'same text', model: MODEL });
    const second = await post({ input: 'same text', model: MODEL });
    const vector = (first.json.data as Array<{ embedding: number[] }>)[0]!.embedding;
    expect(vector).toHaveLength(1024);
    expect((second.json.data as Array<{ embedding: number[] }>)[0]!.embedding).toEqual(vector);
  });

  it('rejects a wrong key with 401 and Voyage’s detail body', async () => {
    const { status, json } = await post({ input: ['x'], model: MODEL }, 'wrong-key');
    expect(status).toBe(401);
    expect(json).toEqual({ detail: 'Provided API key is invalid.' });
  });

  it.each([
    ['an empty text', { input: ['fine', ''], model: MODEL }, /empty strings/],
    ['too many texts', { input: Array.from({ length: 1001 }, () => 'x'), model: MODEL }, /batch size limit is 1000/],
    ['an unknown model', { input: ['x'], model: 'voyage-99' }, /not supported/],
    ['a dimension the model lacks', { input: ['x'], model: MODEL, output_dimension: 300 }, /output_dimension=300/],
    ['a bad input type', { input: ['x'], model: MODEL, input_type: 'passage' }, /input_type/],
    ['no input', { model: MODEL }, /input/],
  ])('rejects %s with 400', async (_what, body, detail) => {
    const { status, json } = await post(body);
    expect(status).toBe(400);
    expect(json.detail).toMatch(detail);
  });

  it('rejects invalid JSON with 400', async () => {
    const { status } = await post('{"input": [');
    expect(status).toBe(400);
  });

  it('enforces the per-batch token limit and, with truncation off, the context length', async () => {
    const long = 'word '.repeat(30_000); // ~37,500 tokens: over the 32k context
    const truncated = await post({ input: [long], model: MODEL });
    expect(truncated.status).toBe(200);
    const refused = await post({ input: [long], model: MODEL, truncation: false });
    expect(refused.status).toBe(400);
    expect(refused.json.detail).toMatch(/context length/);
    const overBudget = await post({ input: Array.from({ length: 5 }, () => long), model: 'voyage-3-large' });
    expect(overBudget.status).toBe(400);
    expect(overBudget.json.detail).toMatch(/max allowed tokens per submitted batch is 120000/);
  });

  it('fails the next requests as told, with retry-after on 429, then recovers', async () => {
    emulator.failNext({ kind: 'status', status: 429, retryAfterSeconds: 3 });
    emulator.failNext(503);
    const response = await fetch(`${emulator.baseUrl}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: ['x'], model: MODEL }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(((await response.json()) as { detail: string }).detail).toMatch(/rate limit/);
    expect((await post({ input: ['x'], model: MODEL })).status).toBe(503);
    expect((await post({ input: ['x'], model: MODEL })).status).toBe(200);
  });
});

describe('Voyage emulator: vectors that carry meaning', () => {
  it.each([
    [
      'how do I get my money back',
      'Refunds are paid back to the original card within ten business days of the return.',
      'The showroom is open from nine until six on weekdays.',
    ],
    [
      'my couch arrived damaged',
      'The sofa was delivered with a torn cushion and a scratched leg.',
      'I would like to book a flu shot for my daughter.',
    ],
    [
      'when can I see the skin doctor',
      'Dr. Patel, our dermatologist, has appointments on Thursday afternoons.',
      'The blender carries a five-year warranty on the motor.',
    ],
    [
      'is parking free at the clinic',
      'Patients may leave their car in the garage behind the building at no charge.',
      'We ship furniture to every state except Alaska and Hawaii.',
    ],
  ])('finds a paraphrase closer than an unrelated text: %s', async (query, paraphrase, unrelated) => {
    const [q] = await embed([query], 'query');
    const [related, other] = await embed([paraphrase, unrelated]);
    expect(cosine(q!, related!)).toBeGreaterThan(cosine(q!, other!) + 0.05);
  });

  it('keeps numbers exact: order 4521 is nearer 4521 than the near-miss 4512', async () => {
    const [q] = await embed(['where is order 4521'], 'query');
    const [right, nearMiss] = await embed([
      'Your order 4521 shipped yesterday and should arrive on Friday.',
      'Your order 4512 shipped yesterday and should arrive on Friday.',
    ]);
    expect(cosine(q!, right!)).toBeGreaterThan(cosine(q!, nearMiss!) + 0.1);
  });

  it('embeds a short text in under 5 ms', async () => {
    // The best of a few runs: this machine is shared, and the claim is about the emulator, not the neighbours.
    const perText: number[] = [];
    for (let run = 0; run < 5; run++) {
      const texts = Array.from(
        { length: 100 },
        (_, i) => `Customer ${run}-${i} asked when the new kettle will arrive.`,
      );
      await client.embed({ input: texts, model: MODEL, outputDimension: 512, encodingFormat: 'base64' });
      perText.push(emulator.requests.at(-1)!.embedMs! / texts.length);
    }
    expect(Math.min(...perText)).toBeLessThan(5);
  });
});
