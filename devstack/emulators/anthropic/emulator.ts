/**
 * Anthropic Messages API emulator: `POST /v1/messages` (JSON and SSE streaming) on 127.0.0.1, with scripted replies,
 * realistic timing, injectable failures and a record of every request. Point the SDK at `await emulator.start()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseMessagesRequest, presentedApiKey, readBody, redactHeaders } from './request-parsing';
import { echoResponder, textReply } from './responders';
import { writeSseStream } from './sse-stream';
import type {
  AnthropicEmulatorOptions,
  ApiErrorType,
  EmulatedReply,
  Fault,
  HttpFault,
  StreamFault,
  RandomFaultOptions,
  RecordedRequest,
} from './types';
import { buildMessage, buildStreamSteps, errorBody, IdGenerator, resolveReply } from './wire-format';
import { LlmEmulatorBase } from '../llm-emulator-base';

const VERSION_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

interface ErrorReply {
  status: number;
  type: ApiErrorType;
  message: string;
  headers?: Record<string, string>;
}

export class AnthropicEmulator extends LlmEmulatorBase<
  RecordedRequest,
  EmulatedReply,
  HttpFault,
  StreamFault,
  ErrorReply
> {
  private ids = new IdGenerator();

  constructor(private readonly options: AnthropicEmulatorOptions = {}) {
    super({
      name: 'AnthropicEmulator',
      port: options.port,
      timing: options.timing,
      responder: options.responder ?? echoResponder,
      textReply,
      defaultRandomFault: { kind: 'overloaded' },
    });
  }

  /** From now on each request fails with the given probability, drawn from a seeded PRNG. */
  failRandomly(options: RandomFaultOptions): void {
    this.faults.failRandomly(options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  protected nextRequestId(): string {
    return this.ids.next('req');
  }

  protected resetIds(): void {
    this.ids = new IdGenerator();
  }

  protected plainErrorReply(status: 413 | 500, message: string): ErrorReply {
    return { status, type: status === 413 ? 'request_too_large' : 'api_error', message };
  }

  protected sendError(res: ServerResponse, requestId: string, reply: ErrorReply): void {
    sendJson(res, reply.status, requestId, errorBody(reply.type, reply.message, requestId), reply.headers);
  }

  protected isHttpFault(fault: Fault): fault is HttpFault {
    return fault.kind !== 'stream_error' && fault.kind !== 'drop';
  }

  protected httpFaultReply(fault: HttpFault): ErrorReply {
    return httpFaultReply(fault);
  }

  protected streamFaultWithoutStreaming(fault: StreamFault): ErrorReply | undefined {
    if (fault.kind === 'drop') return undefined;
    return {
      status: 529,
      type: fault.errorType ?? 'overloaded_error',
      message: fault.message ?? 'Overloaded',
    };
  }

  protected async route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (path !== '/v1/messages') {
      req.resume();
      this.sendError(res, requestId, {
        status: 404,
        type: 'not_found_error',
        message: `Not found: ${req.method ?? ''} ${path}`,
      });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      this.sendError(res, requestId, {
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
      this.sendError(
        res,
        requestId,
        rejection ?? { status: 400, type: 'invalid_request_error', message: parsed.message },
      );
      return;
    }
    const admitted = this.admit(
      req,
      res,
      { requestId, method: req.method, path, headers: redactHeaders(req.headers), ...parsed.fields },
      rejection,
    );
    if (admitted === undefined) return;
    const { record, fault } = admitted;

    const reply = await this.nextReply(record, res);
    if (reply === undefined) return;
    const resolved = resolveReply(reply, record, this.ids);
    const pacing = this.pacing(record, reply);
    const steps = buildStreamSteps(resolved);

    if (record.stream) {
      record.status = 200;
      const result = await writeSseStream(
        res,
        { steps, ...pacing, ...(fault === undefined ? {} : { fault }) },
        { requestId, signal, onFirstContentDelta: (at) => (record.firstTokenAt = at) },
      );
      record.outcome = result;
      record.finishedAt = Date.now();
      return;
    }
    const deltaCount = steps.filter((step) => step.isContentDelta).length;
    await this.awaitWholeGeneration(record, pacing, deltaCount, signal);
    sendJson(res, 200, requestId, buildMessage(resolved));
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
