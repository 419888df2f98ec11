/**
 * The Anthropic emulator, exercised through the real @anthropic-ai/sdk so wire-format mistakes show up as SDK failures.
 */
import Anthropic, {
  AnthropicError,
  APIError,
  AuthenticationError,
  InternalServerError,
  OverloadedError,
} from '@anthropic-ai/sdk';
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import {
  AnthropicEmulator,
  rulesResponder,
  textReply,
  toolUseReply,
  type RecordedRequest,
} from '../../devstack/emulators/anthropic';

const MODEL = 'claude-haiku-4-5';
const API_KEY = 'sk-ant-emulator-test-key';

const emulator = new AnthropicEmulator({ apiKey: API_KEY });
let baseURL: string;

function client(options: { maxRetries?: number; apiKey?: string } = {}): Anthropic {
  return new Anthropic({ apiKey: options.apiKey ?? API_KEY, baseURL, maxRetries: options.maxRetries ?? 0 });
}

function ask(text: string): Anthropic.MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: text }] };
}

/** Text events with their arrival times, plus the final message or the error the stream ended with. */
async function collectStream(stream: MessageStream) {
  const texts: Array<{ text: string; at: number }> = [];
  let connectedAt: number | undefined;
  stream.on('connect', () => (connectedAt = Date.now()));
  stream.on('text', (text) => texts.push({ text, at: Date.now() }));
  try {
    const message = await stream.finalMessage();
    return { texts, connectedAt, message, error: undefined };
  } catch (error) {
    return { texts, connectedAt, message: undefined, error };
  }
}

beforeAll(async () => {
  baseURL = await emulator.start();
});

afterEach(() => {
  emulator.reset();
});

afterAll(async () => {
  await emulator.stop();
});

describe('non-streaming messages', () => {
  it('returns the scripted text as a message object shaped like the real API', async () => {
    emulator.enqueue('Your appointment is at 3 pm.');

    const message = await client().messages.create(ask('When is my appointment?'));

    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text: 'Your appointment is at 3 pm.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message._request_id).toBe(emulator.lastRequest()?.requestId);
    // ~chars/4: the request serializes to well over 20 characters, the reply to 28.
    expect(message.usage.input_tokens).toBeGreaterThan(5);
    expect(message.usage.output_tokens).toBe(Math.ceil('Your appointment is at 3 pm.'.length / 4));
  });

  it('serves queued replies in order before falling back to the responder', async () => {
    emulator.enqueue('first', textReply('second'));
    const sdk = client();

    const answers = [];
    for (const question of ['a', 'b', 'c']) {
      const message = await sdk.messages.create(ask(question));
      answers.push(message.content[0]?.type === 'text' ? message.content[0].text : undefined);
    }

    expect(answers).toEqual(['first', 'second', 'You said: c']);
    expect(emulator.queuedReplies).toBe(0);
  });
});

describe('default and rule-based responders', () => {
  it('echoes the last user message when nothing is scripted', async () => {
    const message = await client().messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'first thing' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'book me a table for two' }] },
      ],
    });

    expect(message.content).toEqual([{ type: 'text', text: 'You said: book me a table for two' }]);
  });

  it('answers with the first matching rule and falls back to echo', async () => {
    emulator.setResponder(
      rulesResponder([
        { when: /table for (\w+)/, reply: (_request, match) => textReply(`Booking for ${match?.[1] ?? '?'}.`) },
        { when: /table/, reply: 'never reached: the rule above wins' },
        {
          when: (request) => request.system === 'refuse everything',
          reply: { blocks: [{ type: 'text', text: 'No.' }], stopReason: 'refusal' },
        },
      ]),
    );
    const sdk = client();

    const booking = await sdk.messages.create(ask('a table for four please'));
    const refusal = await sdk.messages.create({ ...ask('anything'), system: 'refuse everything' });
    const fallback = await sdk.messages.create(ask('hello'));

    expect(booking.content).toEqual([{ type: 'text', text: 'Booking for four.' }]);
    expect(refusal.content).toEqual([{ type: 'text', text: 'No.' }]);
    expect(refusal.stop_reason).toBe('refusal');
    expect(fallback.content).toEqual([{ type: 'text', text: 'You said: hello' }]);
  });
});

describe('streaming', () => {
  it('streams scripted text in several deltas that the SDK assembles into the final message', async () => {
    const script = 'Thanks for calling Beluga Dental, how can I help you today?';
    emulator.enqueue(script);

    const { texts, message, error } = await collectStream(client().messages.stream(ask('hi')));

    expect(error).toBeUndefined();
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.map((t) => t.text).join('')).toBe(script);
    expect(message?.content).toEqual([{ type: 'text', text: script }]);
    expect(message?.stop_reason).toBe('end_turn');
    expect(message?.usage.output_tokens).toBe(Math.ceil(script.length / 4));
    expect(emulator.lastRequest()).toMatchObject({ stream: true, outcome: 'completed', status: 200 });
  });

  it('sends the documented event sequence to create({ stream: true })', async () => {
    emulator.enqueue(toolUseReply('lookup', { q: 'x' }, { text: 'One moment.' }));

    const stream = await client().messages.create({ ...ask('hi'), stream: true });
    const events: string[] = [];
    for await (const event of stream) events.push(event.type);

    const collapsed = events.filter((type, i) => type !== events[i - 1]);
    expect(collapsed).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('streams a tool call whose input the SDK assembles from partial_json fragments', async () => {
    const input = { date: '2025-03-14', party_size: 4, notes: 'window seat, "quiet" corner' };
    emulator.enqueue(toolUseReply('book_table', input, { text: 'Let me check.' }));

    const stream = client().messages.stream({
      ...ask('book it'),
      tools: [{ name: 'book_table', input_schema: { type: 'object' } }],
    });
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const message = await stream.finalMessage();

    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments.join('')).toBe(JSON.stringify(input));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toEqual({ type: 'text', text: 'Let me check.' });
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'book_table', input });
    expect((message.content[1] as Anthropic.ToolUseBlock).id).toMatch(/^toolu_/);
  });
});

describe('timing', () => {
  it('holds the first text delta until the time-to-first-token has passed, after the stream has opened', async () => {
    emulator.setTiming({ ttftMs: 300 });
    emulator.enqueue('Hello there, caller.');
    const startedAt = Date.now();

    const { texts, connectedAt } = await collectStream(client().messages.stream(ask('hi')));

    const record = emulator.lastRequest() as RecordedRequest;
    expect(texts[0]!.at - startedAt).toBeGreaterThanOrEqual(300);
    expect(record.firstTokenAt! - record.receivedAt).toBeGreaterThanOrEqual(300);
    // Headers and message_start go out at once; only content waits.
    expect(connectedAt! - startedAt).toBeLessThan(250);
  });

  it('delays a non-streaming reply by the time-to-first-token too', async () => {
    emulator.setTiming({ ttftMs: 200 });
    const startedAt = Date.now();

    await client().messages.create(ask('hi'));

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200);
  });

  it('spreads deltas at the configured token rate, each one flushed as it is produced', async () => {
    emulator.setTiming({ tokensPerSecond: 40 }); // 25 ms apart
    const script = 'one two six ten red big cat dog sun sky'; // words of <= 4 chars: one token each
    emulator.enqueue(script);

    const { texts } = await collectStream(client().messages.stream(ask('count')));

    expect(texts.length).toBe(10);
    const spread = texts.at(-1)!.at - texts[0]!.at;
    expect(spread).toBeGreaterThanOrEqual(9 * 25 - 10);
    // Buffered delivery would hand the SDK all deltas at (nearly) the same instant.
    const distinctArrivals = new Set(texts.map((t) => t.at)).size;
    expect(distinctArrivals).toBeGreaterThanOrEqual(8);
  });

  it('lets a reply override the timing', async () => {
    emulator.enqueue({ blocks: [{ type: 'text', text: 'slow start' }], timing: { ttftMs: 250 } });
    const startedAt = Date.now();

    const { texts } = await collectStream(client().messages.stream(ask('hi')));

    expect(texts[0]!.at - startedAt).toBeGreaterThanOrEqual(250);
  });
});

describe('error injection', () => {
  it('answers 429 with the real error body and headers', async () => {
    emulator.failNext({ kind: 'rate_limit', retryAfterSeconds: 7 });

    const response = await fetch(`${baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(ask('hi')),
    });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_/);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) as string },
      request_id: requestId,
    });
  });

  it('has the SDK retry a 429 (honouring retry-after) and succeed on the second attempt', async () => {
    emulator.failNext({ kind: 'rate_limit', retryAfterSeconds: 0.2 });
    emulator.enqueue('made it');

    const message = await client({ maxRetries: 2 }).messages.create(ask('hi'));

    expect(message.content).toEqual([{ type: 'text', text: 'made it' }]);
    const [first, second] = emulator.requests;
    expect(emulator.requests).toHaveLength(2);
    expect(first).toMatchObject({ status: 429, outcome: 'http_error' });
    expect(second).toMatchObject({ status: 200, outcome: 'completed' });
    expect(second!.headers['x-stainless-retry-count']).toBe('1');
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(200);
  });

  it('surfaces a persistent 529 as an APIError with status 529 once retries run out', async () => {
    emulator.failNext({ kind: 'overloaded' }, 5);

    const failure = await client({ maxRetries: 1 })
      .messages.create(ask('hi'))
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(APIError);
    expect(failure).toBeInstanceOf(OverloadedError);
    expect((failure as APIError).status).toBe(529);
    expect((failure as APIError).type).toBe('overloaded_error');
    expect(emulator.requests).toHaveLength(2);
  });

  it('surfaces a 500 api_error as InternalServerError', async () => {
    emulator.failNext({ kind: 'api_error' });

    await expect(client().messages.create(ask('hi'))).rejects.toBeInstanceOf(InternalServerError);
  });

  it('turns a mid-stream error event into an error on the SDK stream after the text already sent', async () => {
    emulator.failNext({ kind: 'stream_error', afterDeltas: 3 });
    emulator.enqueue('Yes we can help you with that now'); // one token per word

    const { texts, message, error } = await collectStream(client().messages.stream(ask('hi')));

    expect(message).toBeUndefined();
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
    expect(texts.map((t) => t.text).join('')).toBe('Yes we can');
    expect(emulator.lastRequest()?.outcome).toBe('stream_error');
  });

  it('drops the connection mid-stream', async () => {
    emulator.failNext({ kind: 'drop', afterDeltas: 2 });
    emulator.enqueue('Yes we can help you with that now');

    const { texts, message, error } = await collectStream(client().messages.stream(ask('hi')));

    expect(message).toBeUndefined();
    expect(error).toBeInstanceOf(AnthropicError);
    expect(texts.map((t) => t.text).join('')).toBe('Yes we');
    expect(emulator.lastRequest()?.outcome).toBe('dropped');
  });

  it('closes the socket of a non-streaming request hit by a drop, which the SDK retries as a connection error', async () => {
    emulator.failNext({ kind: 'drop' });

    const message = await client({ maxRetries: 1 }).messages.create(ask('still there?'));

    expect(message.content).toEqual([{ type: 'text', text: 'You said: still there?' }]);
    expect(emulator.requests.map((request) => request.outcome)).toEqual(['dropped', 'completed']);
  });

  it('fails a seeded random share of requests, reproducibly', async () => {
    const pattern = async (): Promise<boolean[]> => {
      emulator.reset();
      emulator.failRandomly({ probability: 0.5, seed: 42, faults: [{ kind: 'overloaded' }, { kind: 'api_error' }] });
      const sdk = client();
      const outcomes: boolean[] = [];
      for (let i = 0; i < 12; i += 1) {
        outcomes.push(
          await sdk.messages.create(ask('hi')).then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };

    const first = await pattern();
    const second = await pattern();

    expect(second).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });
});

describe('authentication and headers', () => {
  it('rejects a wrong api key with 401 authentication_error', async () => {
    const failure = await client({ apiKey: 'sk-ant-wrong' })
      .messages.create(ask('hi'))
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as APIError).status).toBe(401);
    expect((failure as APIError).type).toBe('authentication_error');
    expect(emulator.lastRequest()).toMatchObject({ status: 401, outcome: 'http_error' });
  });

  it('checks x-api-key on raw requests and answers 401 in the real error shape', async () => {
    const response = await fetch(`${baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-wrong', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(ask('hi')),
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
      request_id: response.headers.get('request-id'),
    });
  });

  it('requires the anthropic-version header', async () => {
    const response = await fetch(`${baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(ask('hi')),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('accepts any key when none is configured', async () => {
    const open = new AnthropicEmulator();
    const url = await open.start();
    try {
      const message = await new Anthropic({ apiKey: 'anything', baseURL: url, maxRetries: 0 }).messages.create(
        ask('hi'),
      );
      expect(message.content).toEqual([{ type: 'text', text: 'You said: hi' }]);
    } finally {
      await open.stop();
    }
  });
});

describe('lifecycle', () => {
  it('stops promptly while a stream is still waiting for its first token, failing the client', async () => {
    const slow = new AnthropicEmulator({ timing: { ttftMs: 10_000 } });
    const url = await slow.start();
    const stream = new Anthropic({ apiKey: 'k', baseURL: url, maxRetries: 0 }).messages.stream(ask('hi'));
    const outcome = stream.finalMessage().then(
      () => 'completed',
      () => 'failed',
    );
    await slow.waitForRequests(1);

    const stopStartedAt = Date.now();
    await slow.stop();

    expect(Date.now() - stopStartedAt).toBeLessThan(1000);
    expect(await outcome).toBe('failed');
    expect(slow.requests[0]?.outcome).toBe('client_disconnected');
  });
});

describe('request recording', () => {
  it('records model, system prompt, messages, tools and headers, without the api key', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'transfer_call',
        description: 'Transfer to a human',
        input_schema: { type: 'object', properties: { reason: { type: 'string' } } },
      },
    ];
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'I need a person' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'transfer_call', input: { reason: 'asked' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'transferred' }] },
    ];

    await client()
      .messages.stream({ model: MODEL, max_tokens: 99, system: 'You are Beluga, a receptionist.', messages, tools })
      .finalMessage();

    const record = emulator.lastRequest();
    expect(record).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/v1/messages',
      model: MODEL,
      max_tokens: 99,
      stream: true,
      system: 'You are Beluga, a receptionist.',
      messages,
      tools,
    });
    expect(record?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // SDK releases differ in where they put the key (x-api-key or Authorization: Bearer); neither value is kept.
    const credentialHeaders = ['x-api-key', 'authorization']
      .map((name) => record?.headers[name])
      .filter((value) => value !== undefined);
    expect(credentialHeaders).toEqual(['[redacted]']);
    expect(JSON.stringify(emulator.requests)).not.toContain(API_KEY);
    expect(record?.firstTokenAt).toBeGreaterThanOrEqual(record!.receivedAt);
  });

  it('forgets requests and scripted state on reset', async () => {
    emulator.enqueue('scripted');
    await client().messages.create(ask('one'));
    emulator.enqueue('left over');
    emulator.failNext({ kind: 'overloaded' });

    emulator.reset();
    const message = await client().messages.create(ask('two'));

    expect(message.content).toEqual([{ type: 'text', text: 'You said: two' }]);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.lastRequest()?.index).toBe(0);
  });
});
