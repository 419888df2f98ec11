/**
 * AnthropicChatModel.stream against the Anthropic emulator, through the real @anthropic-ai/sdk: incremental text,
 * streamed tool calls, cancellation, failures and retries, and the request that goes on the wire.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { AnthropicChatModel, type AnthropicOptions } from '../../src/agent/anthropic-chat-model';
import { userMessage } from '../../src/agent/chat-items';
import type { ChatRequest, ToolCall, ToolSpec } from '../../src/agent/chat-model';
import {
  ChatStreamError,
  collectReply,
  parseToolInput,
  type ChatStreamEvent,
} from '../../src/agent/streaming-chat-model';
import { ProviderError } from '../../src/providers/provider-error';
import { AnthropicEmulator, toolUseReply, type RecordedRequest } from '../../devstack/emulators/anthropic';

const MODEL = 'claude-haiku-4-5';
const API_KEY = 'sk-ant-streaming-test-key-0123456789';
const SCRIPT = 'Thanks for calling Beluga Dental, how can I help you today?';

const emulator = new AnthropicEmulator({ apiKey: API_KEY });
let baseUrl: string;

function model(options: Partial<AnthropicOptions> = {}): AnthropicChatModel {
  return new AnthropicChatModel({ apiKey: API_KEY, baseUrl, model: MODEL, maxTokens: 300, maxRetries: 0, ...options });
}

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { system: 'You are Beluga, a receptionist.', items: [userMessage(text)], ...extra };
}

interface Observed {
  event: ChatStreamEvent;
  at: number;
  /** The emulator's view of the request when the event reached the caller. */
  requestOutcome: RecordedRequest['outcome'] | undefined;
}

/** Every event with its arrival time, and the error the stream ended with, if any. */
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
  it('yields each text delta as it arrives, long before the reply is complete', async () => {
    emulator.setTiming({ ttftMs: 100, tokensPerSecond: 20 }); // 50 ms between deltas
    emulator.enqueue(SCRIPT);

    const { seen, error } = await observe(model().stream(ask('hi'), { signal: new AbortController().signal }));

    expect(error).toBeUndefined();
    const parts = texts(seen);
    expect(parts.length).toBeGreaterThan(5);
    expect(parts.join('')).toBe(SCRIPT);
    // The first words were in hand while the emulator was still writing the reply.
    expect(seen[0]).toMatchObject({ event: { type: 'text' }, requestOutcome: 'pending' });
    const done = seen.at(-1)!;
    expect(done.event).toEqual({ type: 'done', text: SCRIPT, toolCalls: [], stopReason: 'end_turn' });
    // 16 deltas 50 ms apart: the first arrives ~750 ms before the last (slack for a busy machine).
    expect(parts.length).toBe(16);
    expect(done.at - seen[0]!.at).toBeGreaterThanOrEqual(500);
    expect(new Set(seen.map(({ at }) => at)).size).toBeGreaterThanOrEqual(12);
  });

  it('ends with the same reply that complete() returns for the same script', async () => {
    emulator.enqueue(SCRIPT, SCRIPT);
    const chat = model();

    const streamed = await collectReply(chat.stream(ask('hi'), { signal: new AbortController().signal }));
    const completed = await chat.complete(ask('hi'));

    expect(streamed).toEqual(completed);
    expect(emulator.requests.map((request) => request.stream)).toEqual([true, false]);
  });
});

describe('streamed tool calls', () => {
  it('yields a tool call once its input_json_delta fragments are complete, after the text before it', async () => {
    const input = { date: '2025-03-14', party_size: 4, notes: 'window seat, "quiet" corner' };
    emulator.enqueue(toolUseReply('book_table', input, { text: 'Let me check.' }));

    const { seen, error } = await observe(model().stream(ask('book it'), { signal: new AbortController().signal }));

    expect(error).toBeUndefined();
    const kinds = seen.map(({ event }) => event.type).filter((type, i, all) => type !== all[i - 1]);
    expect(kinds).toEqual(['text', 'tool_call', 'done']);
    const toolCall = seen.find(({ event }) => event.type === 'tool_call')!.event;
    expect(toolCall).toEqual({
      type: 'tool_call',
      call: { id: expect.stringMatching(/^toolu_/) as string, name: 'book_table', input },
    });
    expect(seen.at(-1)!.event).toEqual({
      type: 'done',
      text: 'Let me check.',
      stopReason: 'tool_use',
      toolCalls: [(toolCall as { call: ToolCall }).call],
    });
  });

  it('parses several tool calls, including one without arguments', async () => {
    emulator.enqueue({
      blocks: [
        { type: 'tool_use', name: 'lookup_customer', input: {}, id: 'toolu_a' },
        { type: 'tool_use', name: 'check_calendar', input: { day: 'friday' }, id: 'toolu_b' },
      ],
    });

    const reply = await collectReply(
      model().stream(ask('when am I booked?'), { signal: new AbortController().signal }),
    );

    expect(reply).toEqual({
      text: '',
      stopReason: 'tool_use',
      toolCalls: [
        { id: 'toolu_a', name: 'lookup_customer', input: {} },
        { id: 'toolu_b', name: 'check_calendar', input: { day: 'friday' } },
      ],
    });
  });

  it('rejects tool input that is not a JSON object', () => {
    expect(parseToolInput('t', '')).toEqual({});
    expect(() => parseToolInput('t', '{"a":')).toThrow(ChatStreamError);
    expect(() => parseToolInput('t', '[1]')).toThrow('not a JSON object');
  });
});

describe('the request on the wire', () => {
  it('carries the system prompt, the turns, the tools and max tokens, exactly as complete() sends them', async () => {
    const tools: ToolSpec[] = [
      {
        name: 'transfer_call',
        description: 'Transfer to a human',
        inputSchema: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
      },
    ];
    const request: ChatRequest = {
      system: 'You are Beluga, a receptionist.',
      items: [
        userMessage('I need a person'),
        { type: 'tool_call', id: 'toolu_1', name: 'transfer_call', input: { reason: 'asked' } },
        { type: 'tool_result', toolCallId: 'toolu_1', output: 'transferred', isError: false },
      ],
      tools,
      maxTokens: 99,
    };
    const messages = [
      { role: 'user', content: 'I need a person' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'transfer_call', input: { reason: 'asked' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'transferred' }] },
    ];
    const chat = model();

    await collectReply(chat.stream(request, { signal: new AbortController().signal }));
    await chat.complete(request);
    await collectReply(
      chat.stream({ ...request, maxTokens: undefined, tools: [] }, { signal: new AbortController().signal }),
    );

    const [streamed, completed, defaults] = emulator.requests;
    expect(streamed).toMatchObject({
      model: MODEL,
      stream: true,
      max_tokens: 99,
      system: request.system,
      messages,
      tools: [{ name: 'transfer_call', description: 'Transfer to a human', input_schema: tools[0]!.inputSchema }],
    });
    const { stream: _stream, ...streamedBody } = streamed!.body;
    expect(streamedBody).toEqual(completed!.body);
    expect(defaults!.max_tokens).toBe(300);
    expect(defaults!.body).not.toHaveProperty('tools');
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
    expect(record.finishedAt! - abortedAt).toBeLessThan(1000);
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
    expect(Date.now() - abortedAt).toBeLessThan(1000); // not the 10 s the first token would take
    await until('the disconnect', () => emulator.lastRequest()?.outcome === 'client_disconnected');
  });

  it('cancels the request when the caller stops iterating', async () => {
    emulator.setTiming({ tokensPerSecond: 10 });
    emulator.enqueue(SCRIPT);

    for await (const event of model().stream(ask('hi'), { signal: new AbortController().signal })) {
      if (event.type === 'text') break;
    }

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
  it('throws a ChatStreamError naming the status and error type on HTTP 500', async () => {
    emulator.failNext({ kind: 'api_error', message: 'Internal server error' });

    const { seen, error } = await observe(model().stream(ask('hi'), { signal: new AbortController().signal }));

    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(ChatStreamError);
    const failure = error as ChatStreamError;
    expect(failure.message).toBe(
      `Anthropic API error: HTTP 500 api_error: Internal server error (request ${emulator.lastRequest()!.requestId})`,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'llm', provider: 'anthropic', retryable: true, status: 500 });
    expect(failure.details).toEqual({
      retryable: true,
      status: 500,
      type: 'api_error',
      requestId: emulator.lastRequest()!.requestId,
    });
  });

  it('lets the SDK retry an overloaded API before the first token, within maxRetries', async () => {
    emulator.failNext({ kind: 'overloaded' }, 1);
    emulator.enqueue('Back again.');

    const reply = await collectReply(
      model({ maxRetries: 1 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(reply?.text).toBe('Back again.');
    expect(emulator.requests.map((request) => request.status)).toEqual([529, 200]);
  });

  it('gives up on a persistent 529 once maxRetries is spent', async () => {
    emulator.failNext({ kind: 'overloaded' }, 5);

    const { error } = await observe(
      model({ maxRetries: 1 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).details).toMatchObject({
      status: 529,
      type: 'overloaded_error',
      retryable: true,
    });
    expect(emulator.requests).toHaveLength(2);
  });

  it('throws on a mid-stream error event after the text already yielded, without retrying', async () => {
    emulator.failNext({ kind: 'stream_error', afterDeltas: 3, message: 'Overloaded' });
    emulator.enqueue('Yes we can help you with that now'); // one delta per word

    const { seen, error } = await observe(
      model({ maxRetries: 2 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(texts(seen).join('')).toBe('Yes we can');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toMatch(
      /^Anthropic API error mid-stream: overloaded_error: Overloaded \(request req_/,
    );
    // A retry would speak "Yes we can" a second time.
    expect(emulator.requests).toHaveLength(1);
  });

  it('retries a stream that failed before its first token', async () => {
    emulator.failNext({ kind: 'stream_error', afterDeltas: 0 });
    emulator.enqueue('Sorry about that.', 'Sorry about that.'); // the failed stream uses up a scripted reply too

    const reply = await collectReply(
      model({ maxRetries: 1 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(reply?.text).toBe('Sorry about that.');
    expect(emulator.requests.map((request) => request.outcome)).toEqual(['stream_error', 'completed']);
  });

  it('throws when the connection drops mid-reply, without retrying', async () => {
    emulator.failNext({ kind: 'drop', afterDeltas: 2 });
    emulator.enqueue('Yes we can help you with that now');

    const { seen, error } = await observe(
      model({ maxRetries: 2 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(texts(seen).join('')).toBe('Yes we');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).message).toBe('Anthropic stream failed: terminated (other side closed)');
    expect((error as ChatStreamError).details.retryable).toBe(true);
    expect(emulator.requests).toHaveLength(1);
  });

  it('says why it could not connect', async () => {
    const closed = new AnthropicEmulator();
    const url = await closed.start();
    await closed.stop(); // nothing listens on that port now

    const { error } = await observe(
      model({ baseUrl: url }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as Error).message).toMatch(/^Anthropic connection failed: .*ECONNREFUSED/);
    expect((error as ChatStreamError).details.retryable).toBe(true);
    expect(error).toMatchObject({ kind: 'llm', retryable: true, status: undefined });
  });

  it('never puts the api key in the error', async () => {
    const wrongKey = 'sk-ant-wrong-key-that-must-not-leak';

    const { error } = await observe(
      model({ apiKey: wrongKey, maxRetries: 1 }).stream(ask('hi'), { signal: new AbortController().signal }),
    );

    expect(error).toBeInstanceOf(ChatStreamError);
    const failure = error as ChatStreamError;
    expect(failure.details).toMatchObject({ status: 401, type: 'authentication_error', retryable: false });
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'llm', provider: 'anthropic', retryable: false, status: 401 });
    expect(emulator.requests).toHaveLength(1); // 401 is not retried
    for (const text of [
      failure.message,
      failure.stack ?? '',
      JSON.stringify(failure),
      JSON.stringify(failure.details),
    ]) {
      expect(text).not.toContain(wrongKey);
    }
  });
});

describe('complete() failures', () => {
  it('are ProviderErrors of kind llm too, retryable by status', async () => {
    emulator.failNext({ kind: 'overloaded' }, 5);
    const overloaded = await model({ maxRetries: 0 })
      .complete(ask('hi'))
      .catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(ProviderError);
    expect(overloaded).toMatchObject({ kind: 'llm', provider: 'anthropic', retryable: true, status: 529 });
    emulator.reset();

    const refused = await model({ apiKey: 'sk-ant-wrong', maxRetries: 0 })
      .complete(ask('hi'))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: 'llm', retryable: false, status: 401 });
    expect((refused as Error).message).not.toContain('sk-ant-wrong');
  });
});

describe('connection reuse', () => {
  it('serves consecutive turns over one kept-alive connection', async () => {
    // A fresh origin, so no socket pooled by earlier tests takes part; undici (Node's fetch) reports the socket
    // each request goes out on.
    const fresh = new AnthropicEmulator();
    const url = await fresh.start();
    const sendHeaders = diagnosticsChannel.channel('undici:client:sendHeaders');
    const sockets = new Set<unknown>();
    const onSend = (message: unknown): void => {
      sockets.add((message as { socket: unknown }).socket);
    };
    sendHeaders.subscribe(onSend);
    try {
      const chat = model({ baseUrl: url });
      for (const turn of ['hello', 'book a cleaning', 'thanks']) {
        await collectReply(chat.stream(ask(turn), { signal: new AbortController().signal }));
        await new Promise((resolve) => setTimeout(resolve, 50)); // the caller speaks
      }
      expect(fresh.requests.map((request) => request.outcome)).toEqual(['completed', 'completed', 'completed']);
    } finally {
      sendHeaders.unsubscribe(onSend);
      await fresh.stop();
    }

    expect(sockets.size).toBe(1);
  });
});
