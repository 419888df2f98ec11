/**
 * HTTP tools (`tools.http` in the config): one attempt of a call, from the model's input to the
 * result it is given. Retrying is the activity's business (activities/external-tools.ts); this
 * module says whether another attempt could help and is safe.
 */
import type { ToolSpec } from '../agent/chat-model';
import { resolveHeaders, type HttpTool } from './external-tools';
import type { ExternalToolContext, ExternalToolResult } from './external-tool-context';
import { cutToBytes, withinBytes } from './response-size';
import { inputProblems } from './tool-input-schema';

/** How the model is offered the tool. */
export function httpToolSpec(tool: HttpTool): ToolSpec {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.input,
  };
}

/** Safe to send twice: the config says so, or the method means it (GET, PUT, DELETE). */
function isIdempotent(tool: HttpTool): boolean {
  return tool.idempotent ?? ['GET', 'PUT', 'DELETE'].includes(tool.method);
}

/** One attempt's outcome: the model's result, whether to try again, and what the logs get (never a secret). */
export interface HttpToolAttempt {
  result: ExternalToolResult;
  /** Another attempt may succeed and cannot repeat a side effect. */
  retryable: boolean;
  status?: number;
  /** For the logs: why it failed. */
  problem?: string;
}

/** A response is never read past this, whatever the tool's cap (its fields are picked from what was read). */
const READ_LIMIT_BYTES = 5_000_000;

/** Connection errors that mean the request never left: even a non-idempotent tool may try again. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export async function attemptHttpTool(
  tool: HttpTool,
  input: Record<string, unknown>,
  context: ExternalToolContext,
  env: Record<string, string | undefined> = process.env,
): Promise<HttpToolAttempt> {
  const fail = (result: string, problem: string, retryable = false, status?: number): HttpToolAttempt => ({
    result: { ok: false, result },
    retryable,
    problem,
    ...(status !== undefined ? { status } : {}),
  });

  const invalid = inputProblems(tool.input, input);
  if (invalid) return fail(`The input for ${tool.name} is invalid: ${invalid}`, `invalid input: ${invalid}`);
  const filled = fillUrlTemplate(tool.url, input);
  if ('missing' in filled)
    return fail(
      `The input for ${tool.name} has no "${filled.missing}", which it needs.`,
      `URL needs ${filled.missing}`,
    );
  if (!URL.canParse(filled.url))
    return fail(
      `The tool ${tool.name} is not set up correctly, so it cannot be used now.`,
      'the filled URL is not valid',
    );

  let headers: Headers;
  try {
    headers = new Headers({ accept: 'application/json, text/plain;q=0.9, */*;q=0.5', 'user-agent': 'Beluga-Tools/1' });
    for (const [name, value] of Object.entries(resolveHeaders(tool.headers, env))) headers.set(name, value);
  } catch (error) {
    // The message names the missing variable, never a value.
    return fail(`The tool ${tool.name} is not set up correctly, so it cannot be used now.`, (error as Error).message);
  }
  headers.set('idempotency-key', context.idempotencyKey);
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(tool.method);
  if (hasBody) headers.set('content-type', 'application/json');

  let response: Response;
  try {
    response = await fetch(filled.url, {
      method: tool.method,
      headers,
      // Secrets in headers must not follow a redirect to another host.
      redirect: 'manual',
      signal: AbortSignal.timeout(tool.timeoutMs),
      ...(hasBody ? { body: JSON.stringify(input) } : {}),
    });
  } catch (error) {
    if (isTimeout(error))
      return fail(`The tool ${tool.name} did not answer in time.`, `no answer within ${tool.timeoutMs} ms`);
    return fail(
      `The tool ${tool.name} could not be reached.`,
      `could not reach it: ${describeNetworkError(error)}`,
      isIdempotent(tool) || neverSent(error),
    );
  }

  let body: { text: string; complete: boolean };
  try {
    body = await readText(response, READ_LIMIT_BYTES);
  } catch (error) {
    if (isTimeout(error))
      return fail(`The tool ${tool.name} did not answer in time.`, `response not read within ${tool.timeoutMs} ms`);
    return fail(
      `The tool ${tool.name} could not be reached.`,
      `response cut off: ${describeNetworkError(error)}`,
      isIdempotent(tool),
      response.status,
    );
  }

  const { status } = response;
  if (status >= 200 && status < 300)
    return { result: { ok: true, result: modelView(tool, response, body) }, retryable: false, status };
  if (status >= 300 && status < 400)
    return fail(
      `The tool ${tool.name} is not set up correctly, so it cannot be used now.`,
      `answered with a redirect (HTTP ${status}); redirects are not followed`,
      false,
      status,
    );
  if (status === 408 || status === 429 || status >= 500)
    return fail(
      `The tool ${tool.name} is not available right now (HTTP ${status}).`,
      `HTTP ${status}`,
      isIdempotent(tool),
      status,
    );
  // A refusal often says why ("no such order"): the model may use that.
  const reason = cutToBytes(body.text.trim(), 300);
  return fail(
    `The tool ${tool.name} refused the request (HTTP ${status})${reason.text ? `: ${reason.text}${reason.cut ? '…' : ''}` : '.'}`,
    `HTTP ${status}`,
    false,
    status,
  );
}

const TEMPLATE_FIELD = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** `https://crm.example/orders/{{orderId}}` with the input's fields, URL-encoded; or the first missing field. */
function fillUrlTemplate(template: string, input: Record<string, unknown>): { url: string } | { missing: string } {
  let missing: string | undefined;
  const url = template.replace(TEMPLATE_FIELD, (_m, path: string) => {
    const value = valueAt(input, path);
    if (value === undefined || value === null) {
      missing ??= path;
      return '';
    }
    // Strings as they are; numbers, booleans, objects and arrays as JSON (`42`, `true`, `[1,2]`).
    return encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));
  });
  return missing === undefined ? { url } : { missing };
}

/** The value at a dot path (`order.items.0.sku`); own properties only, so `__proto__` finds nothing. */
function valueAt(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The response as the model sees it: JSON (only `responseFields` when set) or text, within the size cap. */
function modelView(tool: HttpTool, response: Response, body: { text: string; complete: boolean }): unknown {
  if (response.status === 204 || body.text.length === 0) return `Done (HTTP ${response.status}, no content).`;
  let value: unknown = body.text;
  const type = response.headers.get('content-type') ?? '';
  if (body.complete && (type.includes('json') || type === '')) {
    try {
      value = JSON.parse(body.text) as unknown;
    } catch {
      value = body.text;
    }
  }
  if (tool.responseFields && typeof value === 'object' && value !== null)
    value = Object.fromEntries(
      tool.responseFields.flatMap((path) => {
        const found = valueAt(value, path);
        return found === undefined ? [] : [[path, found]];
      }),
    );
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (body.complete && !cutToBytes(text, tool.maxResponseBytes).cut) return value;
  return withinBytes(text, tool.maxResponseBytes, body.complete ? undefined : `more than ${READ_LIMIT_BYTES} bytes`);
}

/** The body as text, read up to `limit` bytes (a huge answer is not held in memory whole). */
async function readText(response: Response, limit: number): Promise<{ text: string; complete: boolean }> {
  if (!response.body) return { text: '', complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the stream.
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) return { text: cutToBytes(Buffer.concat(chunks).toString('utf8'), limit).text, complete: false };
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}

/** By name: the DOMException fetch rejects with may come from another realm than this module's `Error`. */
function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

function neverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

function describeNetworkError(error: unknown): string {
  return errorCode(error) ?? String((error as { message?: unknown } | null)?.message ?? error);
}
