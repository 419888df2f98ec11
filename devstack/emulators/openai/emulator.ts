/**
 * OpenAI Chat Completions emulator: `POST /v1/chat/completions` (JSON, and SSE chunks ending in `data: [DONE]`) on
 * 127.0.0.1, as Ollama, vLLM and llama.cpp's server answer it, with scripted replies, timing, injectable failures and
 * a record of every request. Point the `openai` SDK's `baseURL` at `await emulator.start()` (it ends in `/v1`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
// The Anthropic emulator's helpers that know nothing of Anthropic: body reading, header redaction, timing, tokens.
import { BodyTooLargeError, presentedApiKey, readBody, redactHeaders } from '../anthropic/request-parsing';
import { AbortedError, sleepUntil, tokenIntervalMs } from '../anthropic/timing';
import { LoopbackHttpServer } from '../shared/listen';
import { parseCompletionRequest } from './request-parsing';
import { echoResponder, textReply } from './responders';
import type {
  EmulatedReply,
  EmulatorTiming,
  Fault,
  HttpFault,
  OpenAiEmulatorOptions,
  RecordedRequest,
  Responder,
  StreamFault,
} from './types';
import {
  buildCompletion,
  buildStreamChunks,
  errorBody,
  formatSseData,
  IdGenerator,
  resolveReply,
  type StreamChunk,
} from './wire-format';

const DEFAULT_TIMING: EmulatorTiming = { ttftMs: 0, tokensPerSecond: Infinity };
const COMPLETIONS_PATH = '/v1/chat/completions';

interface ErrorReply {
  status: number;
  type: string;
  code?: string;
  param?: string;
  message: string;
  headers?: Record<string, string>;
}

export class OpenAiEmulator {
  private readonly http: LoopbackHttpServer;
  private recorded: RecordedRequest[] = [];
  private queue: EmulatedReply[] = [];
  private responder: Responder;
  private timing: EmulatorTiming;
  private faults: Fault[] = [];
  private ids = new IdGenerator();
  private readonly inFlight = new Set<AbortController>();
  private readonly arrivalListeners = new Set<() => void>();

  constructor(private readonly options: OpenAiEmulatorOptions = {}) {
    this.http = new LoopbackHttpServer('OpenAiEmulator', (req, res) => this.handle(req, res), options.port);
    this.responder = options.responder ?? echoResponder;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  /** Starts listening (idempotent) and resolves to the SDK's base URL: `http://127.0.0.1:<port>/v1`. */
  async start(): Promise<string> {
    return `${await this.http.start()}/v1`;
  }

  /** Aborts in-flight responses, closes every connection and the listener. */
  async stop(): Promise<void> {
    if (this.http.url === undefined) return;
    for (const controller of this.inFlight) controller.abort();
    await this.http.stop();
  }

  get baseURL(): string {
    return `${this.http.requireUrl()}/v1`;
  }

  /** Forgets requests, queued replies, faults, custom responder and timing changes; keeps listening. */
  reset(): void {
    this.recorded = [];
    this.queue = [];
    this.responder = this.options.responder ?? echoResponder;
    this.timing = { ...DEFAULT_TIMING, ...this.options.timing };
    this.faults = [];
    this.ids = new IdGenerator();
  }

  /** Replies served first-in first-out before the responder is asked; a string is a plain text reply. */
  enqueue(...replies: Array<EmulatedReply | string>): void {
    this.queue.push(...replies.map((reply) => (typeof reply === 'string' ? textReply(reply) : reply)));
  }

  /** Replaces the responder used when the queue is empty; `undefined` restores the constructor's (or echo). */
  setResponder(responder: Responder | undefined): void {
    this.responder = responder ?? this.options.responder ?? echoResponder;
  }

  setTiming(timing: Partial<EmulatorTiming>): void {
    this.timing = { ...this.timing, ...timing };
  }

  /** The next `times` requests fail with `fault` (after faults already scheduled). */
  failNext(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  lastRequest(): RecordedRequest | undefined {
    return this.recorded.at(-1);
  }

  /** Resolves once at least `count` requests have been recorded. */
  waitForRequests(count: number, timeoutMs = 5000): Promise<readonly RecordedRequest[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.recorded.length < count) return false;
        this.arrivalListeners.delete(check);
        clearTimeout(timer);
        resolve(this.recorded);
        return true;
      };
      const timer = setTimeout(() => {
        this.arrivalListeners.delete(check);
        reject(new Error(`expected ${count} requests within ${timeoutMs} ms, got ${this.recorded.length}`));
      }, timeoutMs);
      if (!check()) this.arrivalListeners.add(check);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    res.on('close', () => {
      controller.abort();
      this.inFlight.delete(controller);
    });
    const requestId = this.ids.next('req_');
    try {
      await this.route(req, res, requestId, controller.signal);
    } catch (error) {
      if (error instanceof AbortedError || controller.signal.aborted) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const tooLarge = error instanceof BodyTooLargeError;
      sendError(res, requestId, {
        status: tooLarge ? 413 : 500,
        type: tooLarge ? 'invalid_request_error' : 'server_error',
        message: tooLarge ? error.message : `emulator failure: ${String(error)}`,
      });
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (path !== COMPLETIONS_PATH || req.method !== 'POST') {
      req.resume();
      sendError(res, requestId, {
        status: path === COMPLETIONS_PATH ? 405 : 404,
        type: 'invalid_request_error',
        message: `Unknown request URL: ${req.method ?? ''} ${path}`,
      });
      return;
    }
    const raw = await readBody(req);
    const rejection = this.checkKey(req);
    const parsed = parseCompletionRequest(raw);
    if (!parsed.ok) {
      sendError(
        res,
        requestId,
        rejection ?? {
          status: 400,
          type: 'invalid_request_error',
          message: parsed.message,
          ...(parsed.param ? { param: parsed.param } : {}),
        },
      );
      return;
    }
    const record: RecordedRequest = {
      index: this.recorded.length,
      requestId,
      method: req.method,
      path,
      headers: redactHeaders(req.headers),
      ...parsed.fields,
      receivedAt: Date.now(),
      outcome: 'pending',
    };
    this.record(record);
    res.on('close', () => {
      record.finishedAt ??= Date.now();
      if (record.outcome === 'pending') record.outcome = 'client_disconnected';
    });

    if (rejection !== undefined) return this.answerError(res, record, rejection);
    const fault = this.faults.shift();
    if (fault !== undefined && isHttpFault(fault)) return this.answerError(res, record, httpFaultReply(fault));
    if (fault !== undefined && !record.stream) {
      if (fault.kind === 'drop') {
        record.outcome = 'dropped';
        req.socket.destroy();
        return;
      }
      return this.answerError(res, record, {
        status: 500,
        type: 'server_error',
        message: fault.message ?? 'Internal error',
      });
    }

    const reply = this.queue.shift() ?? (await this.askResponder(record, res));
    if (reply === undefined) return;
    const resolved = resolveReply(reply, record, this.ids);
    const timing = { ...this.timing, ...reply.timing };
    const firstDeltaNotBefore = record.receivedAt + timing.ttftMs;
    const deltaIntervalMs = tokenIntervalMs(timing.tokensPerSecond);
    const chunks = buildStreamChunks(resolved, record.includeUsage);

    if (record.stream) {
      record.status = 200;
      record.outcome = await this.writeStream(res, record, {
        chunks,
        firstDeltaNotBefore,
        deltaIntervalMs,
        signal,
        ...(fault ? { fault } : {}),
      });
      record.finishedAt = Date.now();
      return;
    }
    // Without streaming the caller waits as long as the whole generation would have taken.
    const deltas = chunks.filter((c) => c.isContentDelta).length;
    await sleepUntil(firstDeltaNotBefore + Math.max(0, deltas - 1) * deltaIntervalMs, signal);
    record.status = 200;
    record.outcome = 'completed';
    record.finishedAt = Date.now();
    sendJson(res, 200, record.requestId, buildCompletion(resolved));
  }

  /** SSE chunks as `data:` lines, paced like tokens, then `data: [DONE]`; a fault strikes between content deltas. */
  private async writeStream(
    res: ServerResponse,
    record: RecordedRequest,
    plan: {
      chunks: StreamChunk[];
      firstDeltaNotBefore: number;
      deltaIntervalMs: number;
      signal: AbortSignal;
      fault?: StreamFault;
    },
  ): Promise<RecordedRequest['outcome']> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': record.requestId,
    });
    res.flushHeaders();
    const faultAfter = plan.fault ? Math.max(0, plan.fault.afterDeltas ?? 1) : Infinity;
    let written = 0;
    let firstAt: number | undefined;
    try {
      for (const chunk of plan.chunks) {
        const finishing = !chunk.isContentDelta && isFinishChunk(chunk);
        if (plan.fault && (chunk.isContentDelta || finishing) && (written >= faultAfter || finishing))
          return await failStream(res, plan.fault);
        if (chunk.isContentDelta) {
          await sleepUntil(
            firstAt === undefined ? plan.firstDeltaNotBefore : firstAt + written * plan.deltaIntervalMs,
            plan.signal,
          );
          if (firstAt === undefined) record.firstTokenAt = firstAt = Date.now();
          written += 1;
        }
        await write(res, formatSseData(chunk.data));
      }
      await write(res, formatSseData('[DONE]'));
      res.end();
      return 'completed';
    } catch (error) {
      if (error instanceof AbortedError || plan.signal.aborted) {
        res.destroy();
        return 'client_disconnected';
      }
      throw error;
    }
  }

  /** A throwing responder is a test bug: a 500 the SDK won't retry (x-should-retry), with the cause in the message. */
  private async askResponder(record: RecordedRequest, res: ServerResponse): Promise<EmulatedReply | undefined> {
    try {
      return await this.responder(record);
    } catch (error) {
      this.answerError(res, record, {
        status: 500,
        type: 'server_error',
        message: `emulator responder failed: ${error instanceof Error ? error.message : String(error)}`,
        headers: { 'x-should-retry': 'false' },
      });
      return undefined;
    }
  }

  private checkKey(req: IncomingMessage): ErrorReply | undefined {
    const configured = this.options.apiKey;
    if (configured === undefined) return undefined;
    const keys = Array.isArray(configured) ? configured : [configured];
    const presented = presentedApiKey(req.headers);
    if (presented !== undefined && keys.includes(presented)) return undefined;
    return {
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: 'Incorrect API key provided.',
    };
  }

  private answerError(res: ServerResponse, record: RecordedRequest, reply: ErrorReply): void {
    record.status = reply.status;
    record.outcome = 'http_error';
    record.finishedAt = Date.now();
    sendError(res, record.requestId, reply);
  }

  private record(request: RecordedRequest): void {
    this.recorded.push(request);
    for (const listener of [...this.arrivalListeners]) listener();
  }
}

function isFinishChunk(chunk: StreamChunk): boolean {
  const choices = chunk.data.choices as Array<{ finish_reason: unknown }>;
  return choices.some((c) => c.finish_reason !== null);
}

function isHttpFault(fault: Fault): fault is HttpFault {
  return fault.kind !== 'stream_error' && fault.kind !== 'drop';
}

function httpFaultReply(fault: HttpFault): ErrorReply {
  switch (fault.kind) {
    case 'rate_limit':
      return {
        status: 429,
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: fault.message ?? 'Rate limit reached for requests',
        // The SDK waits what `retry-after-ms` says before its own retry.
        ...(fault.retryAfterMs === undefined ? {} : { headers: { 'retry-after-ms': String(fault.retryAfterMs) } }),
      };
    case 'server_error':
      return {
        status: 500,
        type: 'server_error',
        message: fault.message ?? 'The server had an error while processing your request.',
      };
    case 'http':
      return {
        status: fault.status,
        type: fault.type ?? 'invalid_request_error',
        ...(fault.code ? { code: fault.code } : {}),
        message: fault.message ?? `HTTP ${fault.status}`,
        ...(fault.headers ? { headers: fault.headers } : {}),
      };
  }
}

async function failStream(res: ServerResponse, fault: StreamFault): Promise<RecordedRequest['outcome']> {
  if (fault.kind === 'drop') {
    // What was written has reached the socket; cutting it now leaves the chunked body unterminated.
    res.socket?.destroy();
    return 'dropped';
  }
  await write(
    res,
    formatSseData(
      errorBody(
        fault.message ?? 'The server had an error while streaming.',
        fault.type ?? 'server_error',
        fault.code ?? null,
      ),
    ),
  );
  res.end();
  return 'stream_error';
}

function write(res: ServerResponse, frame: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(frame, (error) => (error ? reject(error) : resolve()));
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  requestId: string,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': requestId,
    ...headers,
  });
  res.end(payload);
}

function sendError(res: ServerResponse, requestId: string, reply: ErrorReply): void {
  sendJson(
    res,
    reply.status,
    requestId,
    errorBody(reply.message, reply.type, reply.code ?? null, reply.param ?? null),
    reply.headers,
  );
}
