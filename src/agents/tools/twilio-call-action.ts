import { twilioFailure } from '../../telephony/twilio/errors';
import type { ToolOutcome } from '../tool-calls';

/**
 * A tool's change to the live call at Twilio: a retryable error (429, 5xx, network) is thrown for
 * the activity to retry; a refusal becomes an answer the model relays.
 */
export async function twilioCallAction(
  what: string,
  action: () => Promise<unknown>,
  success: ToolOutcome,
): Promise<ToolOutcome> {
  try {
    await action();
    return success;
  } catch (error) {
    const failure = twilioFailure(error, what);
    if (!failure.nonRetryable) throw failure;
    return { ok: false, result: `Could not ${what}: ${(failure.cause ?? failure).message}` };
  }
}
