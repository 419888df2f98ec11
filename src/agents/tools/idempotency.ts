import type { ToolContext } from '../tool-calls';

/**
 * The key of one side effect of one tool call: `<purpose>:<call or message sid>:<tool-call id>`
 * (`sms:CA…:toolu_…`). A retried activity attempt, a retried update or a replayed workflow passes
 * the same context, so it finds the effect already done; another tool call, call or message gets
 * another key. A context without a call or message (a tool run by a user's workflow, an activity
 * scheduled before they were carried) keys on the tool-call id alone, as before.
 */
export function toolIdempotencyKey(
  purpose: string,
  context: Pick<ToolContext, 'callSid' | 'messageSid' | 'toolCallId'>,
): string {
  const scope = context.callSid ?? context.messageSid;
  return scope ? `${purpose}:${scope}:${context.toolCallId}` : `${purpose}:${context.toolCallId}`;
}
