/**
 * The Chat Completions emulator on the wire (raw HTTP, as any OpenAI-compatible client sees it) and through the
 * official `openai` SDK's own stream helper, so a wire-format mistake shows up as an SDK failure.
 */
import OpenAI from 'openai';
import { OpenAiEmulator, toolCallReply } from '../../devstack/emulators/openai';

const API_KEY = 'sk-emulator-test-key';
const emulator = new OpenAiEmulator({ apiKey: API_KEY });
let baseURL: string;

beforeAll(async () => {
  baseURL = await emulator.start();
});

afterEach(() => {
  emulator.reset();
});

afterAll(async () => {
  await emulator.stop();
});

async function post(body: unknown, key = API_KEY): Promise<Response> {
  return fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE body, in order. */
async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}

const hello = { model: 'llama3.1', messages: [{ role: 'user', content: 'hello' }] };

describe('the wire format', () => {
  it('answers a plain request with a chat.completion and its usage', async () => {
    emulator.enqueue('Hi there.');
    const response = await post(hello);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      model: 'llama3.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number) as number, completion_tokens: 3 },
    });
  });

  it('streams chunks ending in [DONE], splits tool call arguments over several chunks, and reports usage when asked', async () => {
    emulator.enqueue(toolCallReply('lookup_customer', { recentMessages: 5, reason: 'asked' }, { text: 'One moment.' }));
    const response = await post({ ...hello, stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const data = await sseData(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as OpenAI.ChatCompletionChunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('One moment.');
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/) as string, type: 'function' });
    expect(toolDeltas[0]!.function).toEqual({ name: 'lookup_customer', arguments: '' });
    const fragments = toolDeltas.slice(1).map((d) => d.function?.arguments ?? '');
    expect(fragments.length).toBeGreaterThan(3);
    expect(toolDeltas.slice(1).every((d) => d.index === 0 && d.id === undefined)).toBe(true);
    expect(JSON.parse(fragments.join(''))).toEqual({ recentMessages: 5, reason: 'asked' });
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) as number } });
  });

  it('works with the SDK’s own stream helper', async () => {
    emulator.enqueue(toolCallReply('end_call', {}, { text: 'Goodbye.' }));
    const client = new OpenAI({ apiKey: API_KEY, baseURL, maxRetries: 0 });
    const stream = client.chat.completions.stream({ model: 'llama3.1', messages: [{ role: 'user', content: 'bye' }] });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]!.message).toMatchObject({
      content: 'Goodbye.',
      tool_calls: [{ type: 'function', function: { name: 'end_call', arguments: '{}' } }],
    });
  });

  it('records what it was asked, with the key redacted', async () => {
    await post({ ...hello, max_tokens: 50, temperature: 0.3, tools: [] });
    expect(emulator.lastRequest()).toMatchObject({
      model: 'llama3.1',
      maxTokens: 50,
      temperature: 0.3,
      stream: false,
      outcome: 'completed',
      headers: { authorization: '[redacted]' },
    });
  });
});

describe('what it refuses, as the API does', () => {
  it('a wrong key (401)', async () => {
    const response = await post(hello, 'wrong');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
  });

  it('a tool message that answers no tool call, and a tool call left unanswered (400, naming the message)', async () => {
    const orphan = await post({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_x', content: 'result' },
      ],
    });
    expect(orphan.status).toBe(400);
    expect(((await orphan.json()) as { error: { message: string } }).error.message).toMatch(
      /^Invalid 'messages\[1\]': messages with role 'tool' must be a response/,
    );
    const unanswered = await post({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'hello?' },
      ],
    });
    expect(unanswered.status).toBe(400);
    expect(((await unanswered.json()) as { error: { message: string } }).error.message).toMatch(
      /^Invalid 'messages\[1\]': an assistant message with 'tool_calls' must be followed by tool messages/,
    );
  });

  it('an image in an assistant message, and an image URL that is neither http nor a data URL', async () => {
    const assistantImage = await post({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      ],
    });
    expect(assistantImage.status).toBe(400);
    const badUrl = await post({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }],
    });
    expect(badUrl.status).toBe(400);
    expect(emulator.requests).toHaveLength(0); // refused requests are not recorded as served
  });
});
