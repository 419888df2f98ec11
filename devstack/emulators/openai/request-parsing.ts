/**
 * Checks a Chat Completions request the way the real API rejects one (400 with a message naming the field), so a
 * format bug in an adapter fails here as it would against a server: roles, content parts, tool calls and the tool
 * messages answering them.
 */
import type { RequestContentPart, RequestMessage, RequestTool } from './types';

interface CompletionRequestFields {
  body: Record<string, unknown>;
  model: string;
  messages: RequestMessage[];
  tools?: RequestTool[];
  maxTokens?: number;
  temperature?: number;
  stream: boolean;
  includeUsage: boolean;
}

export type ParseResult =
  { ok: true; fields: CompletionRequestFields } | { ok: false; message: string; param?: string };

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(param: string, message: string): ParseResult {
  return { ok: false, param, message: `Invalid '${param}': ${message}` };
}

export function parseCompletionRequest(raw: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'We could not parse the JSON body of your request.' };
  }
  if (!isRecord(body)) return { ok: false, message: 'The request body must be a JSON object.' };
  const { model, messages, tools, stream, stream_options: streamOptions, temperature } = body;
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (typeof model !== 'string' || model === '') return fail('model', 'a model name is required.');
  if (!Array.isArray(messages) || messages.length === 0)
    return fail('messages', 'a non-empty array of messages is required.');
  for (const [i, message] of messages.entries()) {
    const problem = messageProblem(message);
    if (problem) return fail(`messages[${i}]${problem.at}`, problem.message);
  }
  const order = toolOrderProblem(messages as RequestMessage[]);
  if (order) return fail(`messages[${order.index}]`, order.message);
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return fail('tools', 'must be an array.');
    for (const [i, tool] of tools.entries()) {
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function))
        return fail(`tools[${i}]`, "each tool must be { type: 'function', function: { name, parameters } }.");
      if (typeof tool.function.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(tool.function.name))
        return fail(`tools[${i}].function.name`, 'must match ^[a-zA-Z0-9_-]{1,64}$.');
      const parameters = tool.function.parameters;
      if (parameters !== undefined && (!isRecord(parameters) || parameters.type !== 'object'))
        return fail(`tools[${i}].function.parameters`, "must be a JSON Schema with type 'object'.");
    }
  }
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1))
    return fail('max_tokens', 'must be a positive integer.');
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2))
    return fail('temperature', 'must be a number between 0 and 2.');
  if (stream !== undefined && typeof stream !== 'boolean') return fail('stream', 'must be a boolean.');
  const fields: CompletionRequestFields = {
    body,
    model,
    messages: messages as RequestMessage[],
    stream: stream === true,
    includeUsage: stream === true && isRecord(streamOptions) && streamOptions.include_usage === true,
  };
  if (tools !== undefined) fields.tools = tools as RequestTool[];
  if (typeof maxTokens === 'number') fields.maxTokens = maxTokens;
  if (typeof temperature === 'number') fields.temperature = temperature;
  return { ok: true, fields };
}

function messageProblem(message: unknown): { at: string; message: string } | undefined {
  if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role))
    return { at: '.role', message: `must be one of ${[...ROLES].join(', ')}.` };
  const { role, content } = message;
  if (role === 'assistant' && Array.isArray(message.tool_calls)) {
    for (const [j, call] of message.tool_calls.entries()) {
      if (
        !isRecord(call) ||
        typeof call.id !== 'string' ||
        call.id === '' ||
        call.type !== 'function' ||
        !isRecord(call.function) ||
        typeof call.function.name !== 'string' ||
        typeof call.function.arguments !== 'string'
      )
        return {
          at: `.tool_calls[${j}]`,
          message: "each tool call needs an id, type 'function' and function { name, arguments (a string) }.",
        };
    }
    if (content === null || content === undefined || typeof content === 'string') return undefined;
  }
  if (role === 'tool' && (typeof message.tool_call_id !== 'string' || message.tool_call_id === ''))
    return { at: '.tool_call_id', message: 'a tool message needs the id of the tool call it answers.' };
  if (typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return { at: '.content', message: 'must be a string or an array of content parts.' };
  for (const [j, part] of (content as unknown[]).entries()) {
    const problem = partProblem(part, role);
    if (problem) return { at: `.content[${j}]`, message: problem };
  }
  return undefined;
}

function partProblem(part: unknown, role: string): string | undefined {
  if (!isRecord(part)) return 'a content part must be an object.';
  const typed = part as RequestContentPart;
  if (typed.type === 'text') return typeof typed.text === 'string' ? undefined : 'a text part needs text.';
  if (typed.type === 'image_url' && role === 'user') {
    const url = typed.image_url?.url;
    return typeof url === 'string' && /^(https?:|data:image\/[a-z+]+;base64,)/.test(url)
      ? undefined
      : 'an image_url part needs an http(s) URL or a data:image/...;base64, URL.';
  }
  return `content parts of type '${String(typed.type)}' are not allowed in a ${role} message.`;
}

/** Every tool message answers a call of the assistant message before it, and every such call is answered. */
function toolOrderProblem(messages: RequestMessage[]): { index: number; message: string } | undefined {
  let waiting = new Set<string>();
  let waitingSince = -1;
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!waiting.delete(message.tool_call_id ?? ''))
        return {
          index: i,
          message: "messages with role 'tool' must be a response to a preceding message with 'tool_calls'.",
        };
      continue;
    }
    if (waiting.size > 0)
      return {
        index: waitingSince,
        message:
          "an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.",
      };
    waiting = new Set((message.role === 'assistant' ? (message.tool_calls ?? []) : []).map((c) => c.id));
    waitingSince = i;
  }
  if (waiting.size > 0)
    return {
      index: waitingSince,
      message:
        "an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.",
    };
  return undefined;
}
