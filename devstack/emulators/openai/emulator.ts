/**
 * OpenAI Chat Completions emulator: `POST /v1/chat/completions` (JSON, and SSE chunks ending in `data: [DONE]`) on
 * 127.0.0.1, as Ollama, vLLM and llama.cpp's server answer it, with scripted replies, timing, injectable failures and
 * a record of every request. Point the `openai` SDK's `baseURL` at `await emulator.start()` (it ends in `/v1`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
// The Anthropic emulator's helpers that know nothing of Anthropic: body reading, header redaction, timing.
import { presentedApiKey, readBody, redactHeaders } from '../anthropic/request-parsing';
import { AbortedError, sleepUntil } from '../anthropic/timing';
import { LlmEmulatorBase } from '../llm-emulator-base';
import { parseCompletionRequest } from './request-parsing';
import { echoResponder, textReply } from './responders';
import type { EmulatedReply, Fault, HttpFault, OpenAiEmulatorOptions, RecordedRequest, StreamFault } from './types';
import {
  buildCompletion,
  buildStreamChunks,
  errorBody,
  formatSseData,
  IdGenerator,
  resolveReply,
  type StreamChunk,
} from './wire-format';

const COMPLETIONS_PATH = '/v1/chat/completions';

interface ErrorReply {
  status: number;
  type: string;
  code?: string;
  param?: string;
  message: string;
  headers?: Record<string, string>;
}

export class OpenAiEmulator extends LlmEmulatorBase<
  RecordedRequest,
  EmulatedReply,
  HttpFault,
  StreamFault,
  ErrorReply
> {
  private ids = new IdGenerator();

  constructor(private readonly options: OpenAiEmulatorOptions = {}) {
    super({
      name: 'OpenAiEmulator',
      port: options.port,
      timing: options.timing,
      responder: options.responder ?? echoResponder,
      textReply,
      defaultRandomFault: { kind: 'server_error' },
      // The `openai` SDK's base URL includes the API version.
      urlSuffix: '/v1',
    });
  }

  protected nextRequestId(): string {
    return this.ids.next('req_');
  }

  protected resetIds(): void {
    this.ids = new IdGenerator();
  }

  protected plainErrorReply(status: 413 | 500, message: string): ErrorReply {
    return { status, type: status === 413 ? 'invalid_request_error' : 'server_error', message };
  }

  protected sendError(res: ServerResponse, requestId: string, reply: ErrorReply): void {
    sendJson(
      res,
      reply.status,
      requestId,
      errorBody(reply.message, reply.type, reply.code ?? null, reply.param ?? null),
      reply.headers,
    );
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
      status: 500,
      type: 'server_error',
      message: fault.message ?? 'Internal error',
    };
  }

  protected async route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (path !== COMPLETIONS_PATH || req.method !== 'POST') {
      req.resume();
      this.sendError(res, requestId, {
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
      this.sendError(
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
    const chunks = buildStreamChunks(resolved, record.includeUsage);

    if (record.stream) {
      record.status = 200;
      record.outcome = await this.writeStream(res, record, {
        chunks,
        ...pacing,
        signal,
        ...(fault ? { fault } : {}),
      });
      record.finishedAt = Date.now();
      return;
    }
    const deltas = chunks.filter((c) => c.isContentDelta).length;
    await this.awaitWholeGeneration(record, pacing, deltas, signal);
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
}

function isFinishChunk(chunk: StreamChunk): boolean {
  const choices = chunk.data.choices as Array<{ finish_reason: unknown }>;
  return choices.some((c) => c.finish_reason !== null);
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
