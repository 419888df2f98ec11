/** Reading and validating incoming requests into what the emulator records. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RequestContentBlock, RequestMessage, RequestTool } from './types';

const MAX_BODY_BYTES = 32 * 1024 * 1024; // the real API caps Messages requests at 32 MB

export class BodyTooLargeError extends Error {}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError('request body exceeds 32 MB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const SECRET_HEADERS = new Set(['x-api-key', 'authorization']);

/** Flattened, lower-cased headers with credentials replaced, safe to keep in test logs. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/** The api key the request presents: `x-api-key`, or a bearer token as the SDK's authToken sends it. */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey;
  const authorization = headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

interface MessagesRequestFields {
  body: Record<string, unknown>;
  model: string;
  system?: string | RequestContentBlock[];
  messages: RequestMessage[];
  tools?: RequestTool[];
  max_tokens: number;
  stream: boolean;
}

export type ParseResult = { ok: true; fields: MessagesRequestFields } | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the fields the real API rejects a request over (with the same kind of message), nothing deeper. */
export function parseMessagesRequest(raw: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'There was an issue with your request body: invalid JSON' };
  }
  if (!isRecord(body)) return { ok: false, message: 'request body must be a JSON object' };
  const { model, max_tokens, messages, system, tools, stream } = body;
  if (typeof model !== 'string' || model.length === 0) return { ok: false, message: 'model: Field required' };
  if (typeof max_tokens !== 'number' || !Number.isInteger(max_tokens) || max_tokens < 1) {
    return { ok: false, message: 'max_tokens: Field required (a positive integer)' };
  }
  if (!Array.isArray(messages)) return { ok: false, message: 'messages: Field required' };
  const malformed = messages.findIndex(
    (message) =>
      !isRecord(message) ||
      typeof message.role !== 'string' ||
      !(typeof message.content === 'string' || Array.isArray(message.content)),
  );
  if (malformed >= 0) return { ok: false, message: `messages.${malformed}: each message needs a role and content` };
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) {
    return { ok: false, message: 'system: Input should be a valid string or list of text blocks' };
  }
  if (tools !== undefined && !Array.isArray(tools))
    return { ok: false, message: 'tools: Input should be a valid list' };
  if (stream !== undefined && typeof stream !== 'boolean')
    return { ok: false, message: 'stream: Input should be a valid boolean' };

  const fields: MessagesRequestFields = {
    body,
    model,
    messages: messages as RequestMessage[],
    max_tokens,
    stream: stream === true,
  };
  if (system !== undefined) fields.system = system as string | RequestContentBlock[];
  if (tools !== undefined) fields.tools = tools as RequestTool[];
  return { ok: true, fields };
}
