/**
 * OpenAiCompatibleChatModel against the Chat Completions emulator, through the real `openai` SDK: streamed text,
 * tool calls whose arguments arrive split across chunks, images, cancellation, failures and retries, and the
 * request that goes on the wire.
 */
import { userMessage, type ChatItem } from '../../src/agent/chat-items';
import type { ChatRequest, ToolCall, ToolSpec } from '../../src/agent/chat-model';
import { OpenAiCompatibleChatModel, type OpenAiCompatibleOptions } from '../../src/agent/openai-chat-model';
import { ChatStreamError, collectReply, type ChatStreamEvent } from '../../src/agent/streaming-chat-model';
import { ProviderError } from '../../src/providers/provider-error';
import { OpenAiEmulator, toolCallReply, type RecordedRequest } from '../../devstack/emulators/openai';

const MODEL = 'llama3.1';
const API_KEY = 'sk-openai-compatible-test-key-0123456789';
const SCRIPT = 'Thanks for calling Beluga Dental, how can I help you today?';

const emulator = new OpenAiEmulator({ apiKey: API_KEY });
let baseUrl: string;

function model(options: Partial<OpenAiCompatibleOptions> = {}): OpenAiCompatibleChatModel {
  return new OpenAiCompatibleChatModel({
    apiKey: API_KEY,
    baseUrl,
    model: MODEL,
    maxTokens: 300,
    maxRetries: 0,
    ...options,
  });
}

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { system: 'You are Beluga, a receptionist.', items: [userMessage(text)], ...extra };
}

const live = () => ({ signal: new AbortController().signal });

interface Observed {
  event: ChatStreamEvent;
  at: number;
  /** The emulator's view of the request when the event reached the caller. */
  requestOutcome: RecordedRequest['outcome'] | undefined;
}

async function observe(
  stream: AsyncIterable<ChatStreamEvent>,
  onEvent?: (event: ChatStreamEvent) => void,
): Promise<{ seen: Observed[]; error: unknown }> {
  const seen: Observed[] = [];
  try {
    for await (const event of stream) {
      seen.push({ event, at: Date.now(), requestOutcome: emulator.lastRequest()?.outcome });
      onEvent?.(event);
    }
    return { seen, error: undefined };
  } catch (error) {
    return { seen, error };
  }
}

function texts(seen: Observed[]): string[] {
  return seen.flatMap(({ event }) => (event.type === 'text' ? [event.text] : []));
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  baseUrl = await emulator.start();
});

afterEach(() => {
  emulator.reset();
});

afterAll(async () => {
  await emulator.stop();
});

describe('streamed text', () => {
  it('yields each delta as it arrives, long before the reply is complete', async () => {
    emulator.setTiming({ ttftMs: 100, tokensPerSecond: 20 }); // 50 ms between deltas
    emulator.enqueue(SCRIPT);

    const { seen, error } = await observe(model().stream(ask('hi'), live()));

    expect(error).toBeUndefined();
    const parts = texts(seen);
    expect(parts.length).toBe(16);
    expect(parts.join('')).toBe(SCRIPT);
    // The first words were in hand while the emulator was still writing the reply.
    expect(seen[0]).toMatchObject({ event: { type: 'text' }, requestOutcome: 'pending' });
    const done = seen.at(-1)!;
    expect(done.event).toEqual({ type: 'done', text: SCRIPT, toolCalls: [], stopReason: 'end_turn' });
    expect(done.at - seen[0]!.at).toBeGreaterThanOrEqual(500);
  });

  it('ends with the same reply that complete() returns for the same script', async () => {
    emulator.enqueue(SCRIPT, SCRIPT);
    const chat = model();

    const streamed = await collectReply(chat.stream(ask('hi'), live()));
    const completed = await chat.complete(ask('hi'));

    expect(streamed).toEqual(completed);
    expect(emulator.requests.map((request) => request.stream)).toEqual([true, false]);
  });
});

describe('streamed tool calls', () => {
  // The emulator sends the arguments in 6-character fragments over several chunks (test/emulators/openai.test.ts).
  it('assembles a tool call from arguments split across chunks and yields it once complete, after the text', async () => {
    const input = { date: '2025-03-14', party_size: 4, notes: 'window seat, "quiet" corner' };
    emulator.enqueue(toolCallReply('book_table', input, { text: 'Let me check.' }));

    const { seen, error } = await observe(model().stream(ask('book it'), live()));

    expect(error).toBeUndefined();
    const kinds = seen.map(({ event }) => event.type).filter((type, i, all) => type !== all[i - 1]);
    expect(kinds).toEqual(['text', 'tool_call', 'done']);
    const toolCall = seen.find(({ event }) => event.type === 'tool_call')!.event as { call: ToolCall };
    expect(toolCall.call).toEqual({ id: expect.stringMatching(/^call_/) as string, name: 'book_table', input });
    expect(seen.at(-1)!.event).toEqual({
      type: 'done',
      text: 'Let me check.',
      stopReason: 'tool_use',
      toolCalls: [toolCall.call],
    });
  });

  it('parses several tool calls in index order, one without arguments', async () => {
    emulator.enqueue({
      toolCalls: [
        { name: 'lookup_customer', arguments: '', id: 'call_a' },
        { name: 'check_calendar', arguments: { day: 'friday' }, id: 'call_b' },
      ],
    });

    const reply = await collectReply(model().stream(ask('when am I booked?'), live()));

    expect(reply).toEqual({
      text: '',
      stopReason: 'tool_use',
      toolCalls: [
        { id: 'call_a', name: 'lookup_customer', input: {} },
        { id: 'call_b', name: 'check_calendar', input: { day: 'friday' } },
      ],
    });
  });

  it('gives a tool call without an id, or with one the conversation already used, a fresh unique id', async () => {
    // The ids become idempotency keys: a reused one would return the earlier call's result instead of running.
    const earlier: ChatItem[] = [
      userMessage('text me the address'),
      { type: 'tool_call', id: 'call_0', name: 'send_sms', input: { message: 'Main St 1' } },
      { type: 'tool_result', toolCallId: 'call_0', output: 'sent', isError: false },
    ];
    emulator.enqueue({
      toolCalls: [
        { name: 'send_sms', arguments: { message: 'Opening hours: 9-5' }, id: 'call_0' },
        { name: 'end_call', arguments: {}, id: '' },
      ],
    });

    const reply = await collectReply(
      model().stream({ system: '', items: [...earlier, userMessage('and the hours')] }, live()),
    );

    const ids = reply!.toolCalls.map((c) => c.id);
    expect(ids).toHaveLength(2);
    expect(new Set([...ids, 'call_0']).size).toBe(3);
    expect(ids.every((id) => /^call_[0-9a-f]{24}$/.test(id))).toBe(true);
  });

  it('fails clearly on arguments that are not a JSON object, without retrying', async () => {
    emulator.enqueue({ toolCalls: [{ name: 'book_table', arguments: '{"date": ' }] });

    const { error } = await observe(model({ maxRetries: 2 }).stream(ask('book it'), live()));

    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toBe('tool call book_table: input is not valid JSON');
    expect((error as ChatStreamError).details.retryable).toBe(false);
    expect(emulator.requests).toHaveLength(1);
  });
});

describe('the request on the wire', () => {
  const tools: ToolSpec[] = [
    {
      name: 'transfer_call',
      description: 'Transfer to a human',
      inputSchema: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
    },
  ];

  it('carries the system prompt, the conversation, the tools, temperature and max tokens, as complete() sends them', async () => {
    const request: ChatRequest = {
      system: 'You are Beluga, a receptionist.',
      items: [
        userMessage('I need a person'),
        { type: 'message', role: 'assistant', content: 'Let me transfer you.' },
        { type: 'tool_call', id: 'call_1', name: 'transfer_call', input: { reason: 'asked' } },
        { type: 'tool_result', toolCallId: 'call_1', output: 'transferred', isError: false },
      ],
      tools,
      maxTokens: 99,
    };
    const chat = model({ temperature: 0.2 });

    await collectReply(chat.stream(request, live()));
    await chat.complete(request);
    await collectReply(chat.stream({ ...request, maxTokens: undefined, tools: [] }, live()));

    const [streamed, completed, defaults] = emulator.requests;
    expect(streamed).toMatchObject({ model: MODEL, stream: true, maxTokens: 99, temperature: 0.2, status: 200 });
    expect(streamed!.messages).toEqual([
      { role: 'system', content: 'You are Beluga, a receptionist.' },
      { role: 'user', content: 'I need a person' },
      {
        role: 'assistant',
        content: 'Let me transfer you.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'transfer_call', arguments: '{"reason":"asked"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'transferred' },
    ]);
    expect(streamed!.tools).toEqual([
      {
        type: 'function',
        function: { name: 'transfer_call', description: 'Transfer to a human', parameters: tools[0]!.inputSchema },
      },
    ]);
    expect(streamed!.headers.authorization).toBe('[redacted]');
    const { stream: _stream, ...streamedBody } = streamed!.body;
    expect(streamedBody).toEqual(completed!.body);
    expect(defaults!.maxTokens).toBe(300);
    expect(defaults!.body).not.toHaveProperty('tools');
  });

  it('sends the customer’s images as data URLs, which the endpoint accepts', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    emulator.enqueue('A receipt.');

    const reply = await collectReply(
      model().stream(
        {
          system: 'Describe images.',
          items: [
            userMessage([
              { type: 'text', text: 'What is this?' },
              { type: 'image', mediaType: 'image/png', data: png },
            ]),
          ],
        },
        live(),
      ),
    );

    expect(reply?.text).toBe('A receipt.');
    expect(emulator.lastRequest()!.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      ],
    });
  });
});

describe('cancellation', () => {
  it('ends the iteration quietly when aborted mid-reply, and the emulator sees the connection close', async () => {
    emulator.setTiming({ tokensPerSecond: 5 }); // 200 ms between deltas; the whole reply would take 3 s
    emulator.enqueue(SCRIPT);
    const controller = new AbortController();
    let abortedAt = 0;

    const { seen, error } = await observe(model().stream(ask('hi'), { signal: controller.signal }), (event) => {
      if (event.type === 'text' && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort();
      }
    });
    const endedAt = Date.now();

    expect(error).toBeUndefined();
    expect(seen.map(({ event }) => event.type)).toEqual(['text']);
    expect(endedAt - abortedAt).toBeLessThan(150); // sooner than the next delta
    const record = await until(
      'the disconnect',
      () => emulator.lastRequest()?.outcome !== 'pending' && emulator.lastRequest(),
    );
    expect(record.outcome).toBe('client_disconnected');
  });

  it('cancels a request still waiting for its first token', async () => {
    emulator.setTiming({ ttftMs: 10_000 });
    const controller = new AbortController();

    const result = observe(model().stream(ask('hi'), { signal: controller.signal }));
    await emulator.waitForRequests(1);
    const abortedAt = Date.now();
    controller.abort();
    const { seen, error } = await result;

    expect(error).toBeUndefined();
    expect(seen).toEqual([]);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await until('the disconnect', () => emulator.lastRequest()?.outcome === 'client_disconnected');
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { seen, error } = await observe(model().stream(ask('hi'), { signal: AbortSignal.abort() }));

    expect(error).toBeUndefined();
    expect(seen).toEqual([]);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  it('lets the SDK retry a 429 before the first token, within maxRetries', async () => {
    emulator.failNext({ kind: 'rate_limit', retryAfterMs: 10 });
    emulator.enqueue('Back again.');

    const reply = await collectReply(model({ maxRetries: 1 }).stream(ask('hi'), live()));

    expect(reply?.text).toBe('Back again.');
    expect(emulator.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it('gives up on a persistent 429 with a retryable error naming the status and the request', async () => {
    emulator.failNext({ kind: 'rate_limit', retryAfterMs: 10 }, 5);

    const { error } = await observe(model({ maxRetries: 1 }).stream(ask('hi'), live()));

    expect(error).toBeInstanceOf(ChatStreamError);
    const failure = error as ChatStreamError;
    const requestId = emulator.lastRequest()!.requestId;
    expect(failure.message).toBe(
      `OpenAI-compatible endpoint ${new URL(baseUrl).host}: API error: HTTP 429 requests: Rate limit reached for requests (request ${requestId})`,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'llm', provider: 'openai-compatible', retryable: true, status: 429 });
    expect(failure.details).toEqual({ retryable: true, status: 429, type: 'requests', requestId });
    expect(emulator.requests).toHaveLength(2);
  });

  it('maps a 500 to a retryable error and a 400 to a final one', async () => {
    emulator.failNext({ kind: 'server_error' });
    const { error: serverError } = await observe(model().stream(ask('hi'), live()));
    expect((serverError as ChatStreamError).details).toMatchObject({
      status: 500,
      type: 'server_error',
      retryable: true,
    });

    emulator.failNext({ kind: 'http', status: 400, message: 'model "llama9" not found, try pulling it first' });
    const { error: badRequest } = await observe(model({ maxRetries: 2 }).stream(ask('hi'), live()));
    expect((badRequest as ChatStreamError).details).toMatchObject({ status: 400, retryable: false });
    expect((badRequest as Error).message).toMatch(/HTTP 400 invalid_request_error: model "llama9" not found/);
    expect(emulator.requests).toHaveLength(2); // no retry of the 400
  });

  it('throws on an error event after text was yielded, without retrying (the words were already spoken)', async () => {
    emulator.failNext({ kind: 'stream_error', afterDeltas: 3, message: 'model overloaded' });
    emulator.enqueue('Yes we can help you with that now');

    const { seen, error } = await observe(model({ maxRetries: 2 }).stream(ask('hi'), live()));

    expect(texts(seen).join('')).toBe('Yes we can');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toMatch(/API error mid-stream: server_error: model overloaded \(request req_/);
    expect((error as ChatStreamError).details.retryable).toBe(true);
    expect(emulator.requests).toHaveLength(1);
  });

  it('retries a stream that failed before its first token', async () => {
    emulator.failNext({ kind: 'stream_error', afterDeltas: 0 });
    emulator.enqueue('Sorry about that.', 'Sorry about that.'); // the failed stream uses up a scripted reply too

    const reply = await collectReply(model({ maxRetries: 1 }).stream(ask('hi'), live()));

    expect(reply?.text).toBe('Sorry about that.');
    expect(emulator.requests.map((request) => request.outcome)).toEqual(['stream_error', 'completed']);
  });

  it('throws a retryable error when the connection drops mid-reply, without retrying', async () => {
    emulator.failNext({ kind: 'drop', afterDeltas: 2 });
    emulator.enqueue('Yes we can help you with that now');

    const { seen, error } = await observe(model({ maxRetries: 2 }).stream(ask('hi'), live()));

    expect(texts(seen).join('')).toBe('Yes we');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toMatch(/stream failed: terminated/);
    expect((error as ChatStreamError).details.retryable).toBe(true);
    expect(emulator.requests).toHaveLength(1);
  });

  it('says why it could not connect', async () => {
    const closed = new OpenAiEmulator();
    const url = await closed.start();
    await closed.stop();

    const { error } = await observe(model({ baseUrl: url }).stream(ask('hi'), live()));

    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toMatch(
      /^OpenAI-compatible endpoint 127\.0\.0\.1:\d+: connection failed: .*ECONNREFUSED/,
    );
    expect(error).toMatchObject({ kind: 'llm', retryable: true, status: undefined });
  });

  it('never puts the api key in the error', async () => {
    const wrongKey = 'sk-wrong-key-that-must-not-leak';

    const { error } = await observe(model({ apiKey: wrongKey, maxRetries: 1 }).stream(ask('hi'), live()));

    const failure = error as ChatStreamError;
    expect(failure).toBeInstanceOf(ChatStreamError);
    expect(failure.details).toMatchObject({ status: 401, retryable: false });
    expect(JSON.stringify({ message: failure.message, details: failure.details, stack: failure.stack })).not.toContain(
      wrongKey,
    );
    expect(emulator.requests).toHaveLength(1); // a 401 is not retried
  });
});
