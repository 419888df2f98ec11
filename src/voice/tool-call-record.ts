import type { ToolOutcome } from '../agents/tool-calls';
import type { TurnToolCall } from './call-types';

/** A tool's answer kept for the call page: enough to read, bounded so a turn's signal and record stay small. */
const MAX_RESULT_CHARS = 2_000;
/** A tool input larger than this (as JSON) is kept as a note of its size. */
const MAX_INPUT_CHARS = 2_000;
/** Input fields that carry a secret the caller spoke (a verification code is never stored in clear). */
const SECRET_FIELDS = new Set(['code', 'password', 'pin', 'secret', 'token']);

function redacted(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, SECRET_FIELDS.has(key.toLowerCase()) ? '[redacted]' : value]),
  );
}

/** What the call record keeps of one tool call: its input (secrets redacted, size bounded) and its answer (cut). */
export function turnToolCall(
  call: { id: string; name: string; input: Record<string, unknown> },
  outcome: Pick<ToolOutcome, 'ok' | 'result'>,
  at: Date,
): TurnToolCall {
  const input = redacted(call.input);
  const json = JSON.stringify(input);
  return {
    toolCallId: call.id,
    name: call.name,
    input: json.length > MAX_INPUT_CHARS ? { truncated: `${json.length} characters` } : input,
    result: outcome.result.length > MAX_RESULT_CHARS ? `${outcome.result.slice(0, MAX_RESULT_CHARS)}…` : outcome.result,
    ok: outcome.ok,
    at: at.toISOString(),
  };
}
