/**
 * Anthropic Messages API emulator: `POST /v1/messages` (JSON and SSE streaming) on 127.0.0.1, with scripted replies,
 * realistic timing, injectable failures and a record of every request. Point the SDK at `await emulator.start()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultPlan } from './faults';
import { BodyTooLargeError, parseMessagesRequest, presentedApiKey, readBody, redactHeaders } from './request-parsing';
import { echoResponder, textReply } from './responders';
import { writeSseStream } from './sse-stream';
import { AbortedError, sleepUntil, tokenIntervalMs } from './timing';
import type {
  AnthropicEmulatorOptions,
  ApiErrorType,
  EmulatedReply,
  EmulatorTiming,
  Fault,
  HttpFault,
  RandomFaultOptions,
  RecordedRequest,
  Responder,
} from './types';
import { buildMessage, buildStreamSteps, errorBody, IdGenerator, resolveReply } from './wire-format';
import { LoopbackHttpServer } from '../shared/listen';

const DEFAULT_TIMING: EmulatorTiming = { ttftMs: 0, tokensPerSecond: Infinity };
const VERSION_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

interface ErrorReply {
  status: number;
  type: ApiErrorType;
  message: string;
  headers?: Record<string, string>;
}

export class AnthropicEmulator {
  private readonly http: LoopbackHttpServer;
  private recorded: RecordedRequest[] = [];
  private queue: EmulatedReply[] = [];
  private responder: Responder;
  private timing: EmulatorTiming;
  private readonly faults = new FaultPlan();
  private ids = new IdGenerator();
  private readonly inFlight = new Set<AbortController>();
  private readonly arrivalListeners = new Set<() => void>();

  constructor(private readonly options: AnthropicEmulatorOptions = {}) {
    this.http = new LoopbackHttpServer('AnthropicEmulator', (req, res) => this.handle(req, res), options.port);
    this.responder = options.responder ?? echoResponder;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  /** Starts listening (idempotent) and resolves to the base URL for the SDK (`http://127.0.0.1:<port>`, no `/v1`). */
  async start(): Promise<string> {
    return this.http.start();
  }

  /** Aborts in-flight responses, closes every connection (including idle keep-alive ones) and the listener. */
  async stop(): Promise<void> {
    if (this.http.url === undefined) return;
    for (const controller of this.inFlight) controller.abort();
    await this.http.stop();
  }

  /** Forgets requests, queued replies, faults, custom responder and timing changes; keeps listening. */
  reset(): void {
    this.recorded = [];
    this.queue = [];
    this.responder = this.options.responder ?? echoResponder;
    this.timing = { ...DEFAULT_TIMING, ...this.options.timing };
    this.faults.clear();
    this.ids = new IdGenerator();
  }

  get baseURL(): string {
    return this.http.requireUrl();
  }

  /** Replies served first-in first-out before the responder is consulted; a string is a plain text reply. */
  enqueue(...replies: Array<EmulatedReply | string>): void {
    this.queue.push(...replies.map((reply) => (typeof reply === 'string' ? textReply(reply) : reply)));
  }

  get queuedReplies(): number {
    return this.queue.length;
  }

  /** Replaces the responder used when the queue is empty; `undefined` restores the constructor's (or echo). */
  setResponder(responder: Responder | undefined): void {
    this.responder = responder ?? this.options.responder ?? echoResponder;
  }

  setTiming(timing: Partial<EmulatorTiming>): void {
    this.timing = { ...this.timing, ...timing };
  }

  /** The next `times` requests fail with `fault` (queued behind earlier failNext calls). */
  failNext(fault: Fault, times = 1): void {
    this.faults.failNext(fault, times);
  }

  /** From now on each request fails with the given probability, drawn from a seeded PRNG. */
  failRandomly(options: RandomFaultOptions): void {
    this.faults.failRandomly(options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  lastRequest(): RecordedRequest | undefined {
    return this.recorded.at(-1);
  }

  /** Resolves once at least `count` requests have been recorded (for callers that don't hold the SDK promise). */
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
    const requestId = this.ids.next('req');
    try {
      await this.route(req, res, requestId, controller.signal);
    } catch (error) {
      if (error instanceof AbortedError || controller.signal.aborted) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = error instanceof BodyTooLargeError ? error.message : `emulator failure: ${String(error)}`;
      const status = error instanceof BodyTooLargeError ? 413 : 500;
      sendError(res, requestId, { status, type: status === 413 ? 'request_too_large' : 'api_error', message });
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (path !== '/v1/messages') {
      req.resume();
      sendError(res, requestId, {
        status: 404,
        type: 'not_found_error',
        message: `Not found: ${req.method ?? ''} ${path}`,
      });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      sendError(res, requestId, {
        status: 405,
        type: 'invalid_request_error',
        message: `Method ${req.method ?? ''} not allowed`,
      });
      return;
    }
    const raw = await readBody(req);
    const rejection = this.checkHeaders(req);
    const parsed = parseMessagesRequest(raw);
    if (!parsed.ok) {
      sendError(res, requestId, rejection ?? { status: 400, type: 'invalid_request_error', message: parsed.message });
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
    const fault = this.faults.take();
    if (fault !== undefined && isHttpFault(fault)) return this.answerError(res, record, httpFaultReply(fault));
    if (fault !== undefined && !record.stream) {
      if (fault.kind === 'drop') {
        record.outcome = 'dropped';
        req.socket.destroy();
        return;
      }
      return this.answerError(res, record, {
        status: 529,
        type: fault.errorType ?? 'overloaded_error',
        message: fault.message ?? 'Overloaded',
      });
    }

    const reply = this.queue.shift() ?? (await this.askResponder(record, res));
    if (reply === undefined) return;
    const resolved = resolveReply(reply, record, this.ids);
    const timing = { ...this.timing, ...reply.timing };
    const firstDeltaNotBefore = record.receivedAt + timing.ttftMs;
    const deltaIntervalMs = tokenIntervalMs(timing.tokensPerSecond);
    const steps = buildStreamSteps(resolved);

    if (record.stream) {
      record.status = 200;
      const result = await writeSseStream(
        res,
        { steps, firstDeltaNotBefore, deltaIntervalMs, ...(fault === undefined ? {} : { fault }) },
        { requestId, signal, onFirstContentDelta: (at) => (record.firstTokenAt = at) },
      );
      record.outcome = result;
      record.finishedAt = Date.now();
      return;
    }
    // Without streaming the caller waits as long as the whole generation would have taken.
    const deltaCount = steps.filter((step) => step.isContentDelta).length;
    await sleepUntil(firstDeltaNotBefore + Math.max(0, deltaCount - 1) * deltaIntervalMs, signal);
    record.status = 200;
    record.outcome = 'completed';
    record.finishedAt = Date.now();
    sendJson(res, 200, requestId, buildMessage(resolved));
  }

  /** A throwing responder is a test bug: answer a 500 the SDK won't retry (x-should-retry), with the cause in the message. */
  private async askResponder(record: RecordedRequest, res: ServerResponse): Promise<EmulatedReply | undefined> {
    try {
      return await this.responder(record);
    } catch (error) {
      this.answerError(res, record, {
        status: 500,
        type: 'api_error',
        message: `emulator responder failed: ${error instanceof Error ? error.message : String(error)}`,
        headers: { 'x-should-retry': 'false' },
      });
      return undefined;
    }
  }

  /** Authentication first (401), then the required `anthropic-version` header (400), as the real API orders them. */
  private checkHeaders(req: IncomingMessage): ErrorReply | undefined {
    const configured = this.options.apiKey;
    if (configured !== undefined) {
      const keys = Array.isArray(configured) ? configured : [configured];
      const presented = presentedApiKey(req.headers);
      if (presented === undefined || !keys.includes(presented)) {
        return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
      }
    }
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string' || version.length === 0) {
      return { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' };
    }
    const accepted = this.options.acceptedVersions;
    if (accepted === undefined ? !VERSION_SHAPE.test(version) : !accepted.includes(version)) {
      return { status: 400, type: 'invalid_request_error', message: `anthropic-version: invalid version ${version}` };
    }
    return undefined;
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

function isHttpFault(fault: Fault): fault is HttpFault {
  return fault.kind !== 'stream_error' && fault.kind !== 'drop';
}

function httpFaultReply(fault: HttpFault): ErrorReply {
  switch (fault.kind) {
    case 'rate_limit':
      return {
        status: 429,
        type: 'rate_limit_error',
        message: fault.message ?? 'Number of request tokens has exceeded your per-minute rate limit',
        ...(fault.retryAfterSeconds === undefined
          ? {}
          : { headers: { 'retry-after': String(fault.retryAfterSeconds) } }),
      };
    case 'overloaded':
      return { status: 529, type: 'overloaded_error', message: fault.message ?? 'Overloaded' };
    case 'api_error':
      return { status: 500, type: 'api_error', message: fault.message ?? 'Internal server error' };
    case 'http':
      return {
        status: fault.status,
        type: fault.errorType,
        message: fault.message ?? fault.errorType,
        ...(fault.headers ? { headers: fault.headers } : {}),
      };
  }
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
    'request-id': requestId,
    ...headers,
  });
  res.end(payload);
}

function sendError(res: ServerResponse, requestId: string, reply: ErrorReply): void {
  sendJson(res, reply.status, requestId, errorBody(reply.type, reply.message, requestId), reply.headers);
}
