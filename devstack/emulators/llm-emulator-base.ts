/**
 * What the LLM API emulators (Anthropic Messages, OpenAI Chat Completions) share apart from their wire format: the
 * loopback server, scripted replies (a FIFO queue, then a responder), the request record and `waitForRequests`,
 * scheduled faults, token pacing, and the error plumbing around each request. A subclass routes requests and
 * speaks its API's JSON, SSE and error shapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError } from './anthropic/request-parsing';
import { AbortedError, sleepUntil, tokenIntervalMs } from './anthropic/timing';
import { FaultPlan } from './shared/fault-plan';
import { LoopbackHttpServer } from './shared/listen';

export interface EmulatorTiming {
  /** Delay from receiving the request to the first content delta (non-streaming: added to the response time). */
  ttftMs: number;
  /** Content deltas per second after the first; 0 or Infinity = as fast as possible. */
  tokensPerSecond: number;
}

const DEFAULT_TIMING: EmulatorTiming = { ttftMs: 0, tokensPerSecond: Infinity };

/** How a request ended, so tests can tell served requests from injected failures. */
type RequestOutcome = 'pending' | 'completed' | 'http_error' | 'stream_error' | 'dropped' | 'client_disconnected';

/** The part of a recorded request both emulators keep. The api key value is never stored. */
export interface RecordedRequestBase {
  /** 0-based arrival order since start/reset. */
  index: number;
  /** The request id the emulator answered with (`request-id` / `x-request-id`). */
  requestId: string;
  method: string;
  path: string;
  /** Lower-cased header names; `x-api-key` / `authorization` values replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** The parsed JSON body, untouched. */
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Epoch ms when the request body had been read. */
  receivedAt: number;
  /** Epoch ms when the first content delta was written (streams only). */
  firstTokenAt?: number;
  /** Epoch ms when the response finished (or failed). */
  finishedAt?: number;
  /** HTTP status sent (200 for streams, even those that later fail mid-stream). */
  status?: number;
  outcome: RequestOutcome;
}

/** An HTTP error answer; each API adds its own error type fields. */
interface ErrorReplyBase {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** When the first content delta may go out and how far apart the next ones are. */
interface Pacing {
  firstDeltaNotBefore: number;
  deltaIntervalMs: number;
}

interface LlmEmulatorConfig<Request, Reply, Fault> {
  /** Names the server in listen errors. */
  name: string;
  port: number | undefined;
  timing: Partial<EmulatorTiming> | undefined;
  /** Used when the queue is empty and no responder was set. */
  responder: (request: Request) => Reply | Promise<Reply>;
  /** What `enqueue` makes of a string. */
  textReply: (text: string) => Reply;
  /** A random failure's fault when `failRandomly` names none. */
  defaultRandomFault: Fault;
  /** Appended to the listener's URL to make the SDK's base URL (`/v1` for OpenAI). */
  urlSuffix?: string;
}

export abstract class LlmEmulatorBase<
  Request extends RecordedRequestBase,
  Reply extends { timing?: Partial<EmulatorTiming> },
  HttpFault,
  StreamFault,
  ErrorReply extends ErrorReplyBase,
> {
  private readonly http: LoopbackHttpServer;
  private recorded: Request[] = [];
  private queue: Reply[] = [];
  private responder: (request: Request) => Reply | Promise<Reply>;
  private timing: EmulatorTiming;
  protected readonly faults: FaultPlan<HttpFault | StreamFault>;
  private readonly inFlight = new Set<AbortController>();
  private readonly arrivalListeners = new Set<() => void>();

  protected constructor(private readonly config: LlmEmulatorConfig<Request, Reply, HttpFault | StreamFault>) {
    this.http = new LoopbackHttpServer(config.name, (req, res) => this.handle(req, res), config.port);
    this.responder = config.responder;
    this.timing = { ...DEFAULT_TIMING, ...config.timing };
    this.faults = new FaultPlan(config.defaultRandomFault);
  }

  /** Starts listening (idempotent) and resolves to the SDK's base URL. */
  async start(): Promise<string> {
    return `${await this.http.start()}${this.config.urlSuffix ?? ''}`;
  }

  /** Aborts in-flight responses, closes every connection (including idle keep-alive ones) and the listener. */
  async stop(): Promise<void> {
    if (this.http.url === undefined) return;
    for (const controller of this.inFlight) controller.abort();
    await this.http.stop();
  }

  get baseURL(): string {
    return `${this.http.requireUrl()}${this.config.urlSuffix ?? ''}`;
  }

  /** Forgets requests, queued replies, faults, custom responder and timing changes; keeps listening. */
  reset(): void {
    this.recorded = [];
    this.queue = [];
    this.responder = this.config.responder;
    this.timing = { ...DEFAULT_TIMING, ...this.config.timing };
    this.faults.clear();
    this.resetIds();
  }

  /** Replies served first-in first-out before the responder is asked; a string is a plain text reply. */
  enqueue(...replies: Array<Reply | string>): void {
    this.queue.push(...replies.map((reply) => (typeof reply === 'string' ? this.config.textReply(reply) : reply)));
  }

  get queuedReplies(): number {
    return this.queue.length;
  }

  /** Replaces the responder used when the queue is empty; `undefined` restores the constructor's (or echo). */
  setResponder(responder: ((request: Request) => Reply | Promise<Reply>) | undefined): void {
    this.responder = responder ?? this.config.responder;
  }

  setTiming(timing: Partial<EmulatorTiming>): void {
    this.timing = { ...this.timing, ...timing };
  }

  /** The next `times` requests fail with `fault` (queued behind earlier failNext calls). */
  failNext(fault: HttpFault | StreamFault, times = 1): void {
    this.faults.failNext(fault, times);
  }

  get requests(): readonly Request[] {
    return this.recorded;
  }

  lastRequest(): Request | undefined {
    return this.recorded.at(-1);
  }

  /** Resolves once at least `count` requests have been recorded (for callers that don't hold the SDK promise). */
  waitForRequests(count: number, timeoutMs = 5000): Promise<readonly Request[]> {
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

  /** Answers one request; `requestId` is already fixed, `signal` aborts when the client goes away. */
  protected abstract route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    signal: AbortSignal,
  ): Promise<void>;

  protected abstract nextRequestId(): string;

  protected abstract resetIds(): void;

  /** The API's error for an oversized body (413) or a failure of the emulator itself (500). */
  protected abstract plainErrorReply(status: 413 | 500, message: string): ErrorReply;

  protected abstract sendError(res: ServerResponse, requestId: string, reply: ErrorReply): void;

  /** HTTP faults are answered instead of a reply; stream faults strike mid-stream. */
  protected abstract isHttpFault(fault: HttpFault | StreamFault): fault is HttpFault;

  protected abstract httpFaultReply(fault: HttpFault): ErrorReply;

  /** How a stream fault shows when the request did not ask for a stream: the API's error, or undefined to drop. */
  protected abstract streamFaultWithoutStreaming(fault: StreamFault): ErrorReply | undefined;

  /**
   * Records a parsed request, then answers what fails it before any reply: a header `rejection`, the next
   * scheduled HTTP fault, or, without streaming, a stream fault. Returns the record and
   * the stream fault still to strike, or undefined when the request has been answered.
   */
  protected admit(
    req: IncomingMessage,
    res: ServerResponse,
    fields: Omit<Request, 'index' | 'receivedAt' | 'outcome'>,
    rejection: ErrorReply | undefined,
  ): { record: Request; fault: StreamFault | undefined } | undefined {
    const record = this.recordRequest(res, fields);
    if (rejection !== undefined) {
      this.answerError(res, record, rejection);
      return undefined;
    }
    const fault = this.faults.take();
    if (fault === undefined) return { record, fault: undefined };
    if (this.isHttpFault(fault)) {
      this.answerError(res, record, this.httpFaultReply(fault));
      return undefined;
    }
    if (record.stream) return { record, fault };
    const reply = this.streamFaultWithoutStreaming(fault);
    if (reply !== undefined) {
      this.answerError(res, record, reply);
    } else {
      record.outcome = 'dropped';
      req.socket.destroy();
    }
    return undefined;
  }

  /** Records a parsed request (index, arrival time, pending outcome) and follows its connection's close. */
  private recordRequest(res: ServerResponse, fields: Omit<Request, 'index' | 'receivedAt' | 'outcome'>): Request {
    const record = {
      index: this.recorded.length,
      ...fields,
      receivedAt: Date.now(),
      outcome: 'pending',
    } as Request;
    this.recorded.push(record);
    for (const listener of [...this.arrivalListeners]) listener();
    res.on('close', () => {
      record.finishedAt ??= Date.now();
      if (record.outcome === 'pending') record.outcome = 'client_disconnected';
    });
    return record;
  }

  /** The next queued reply, else the responder's; undefined when the responder threw (already answered). */
  protected async nextReply(record: Request, res: ServerResponse): Promise<Reply | undefined> {
    return this.queue.shift() ?? (await this.askResponder(record, res));
  }

  /** The emulator's timing with the reply's overrides, counted from the request's arrival. */
  protected pacing(record: Request, reply: Reply): Pacing {
    const timing = { ...this.timing, ...reply.timing };
    return {
      firstDeltaNotBefore: record.receivedAt + timing.ttftMs,
      deltaIntervalMs: tokenIntervalMs(timing.tokensPerSecond),
    };
  }

  /** Without streaming the caller waits as long as the whole generation would have taken; then it completed. */
  protected async awaitWholeGeneration(
    record: Request,
    pacing: Pacing,
    deltaCount: number,
    signal: AbortSignal,
  ): Promise<void> {
    await sleepUntil(pacing.firstDeltaNotBefore + Math.max(0, deltaCount - 1) * pacing.deltaIntervalMs, signal);
    record.status = 200;
    record.outcome = 'completed';
    record.finishedAt = Date.now();
  }

  private answerError(res: ServerResponse, record: Request, reply: ErrorReply): void {
    record.status = reply.status;
    record.outcome = 'http_error';
    record.finishedAt = Date.now();
    this.sendError(res, record.requestId, reply);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    res.on('close', () => {
      controller.abort();
      this.inFlight.delete(controller);
    });
    const requestId = this.nextRequestId();
    try {
      await this.route(req, res, requestId, controller.signal);
    } catch (error) {
      if (error instanceof AbortedError || controller.signal.aborted) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.sendError(
        res,
        requestId,
        error instanceof BodyTooLargeError
          ? this.plainErrorReply(413, error.message)
          : this.plainErrorReply(500, `emulator failure: ${String(error)}`),
      );
    }
  }

  /** A throwing responder is a test bug: answer a 500 the SDK won't retry (x-should-retry), with the cause in the message. */
  private async askResponder(record: Request, res: ServerResponse): Promise<Reply | undefined> {
    try {
      return await this.responder(record);
    } catch (error) {
      this.answerError(res, record, {
        ...this.plainErrorReply(
          500,
          `emulator responder failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
        headers: { 'x-should-retry': 'false' },
      });
      return undefined;
    }
  }
}
