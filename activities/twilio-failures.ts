import { ApplicationFailure } from '@temporalio/activity';
import { isRetryableTwilioError, twilioErrorCode } from '../src/telephony/twilio/errors';

/** Carried in the failure's details so the caller (operator API) can answer with Twilio's status and code. */
export interface TwilioFailureDetails {
  status?: number;
  code?: number;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * A Twilio REST error as an activity failure: 429/5xx/network retryable (Temporal retries it
 * durably), any other 4xx non-retryable, typed `Twilio<code>` like sendMessage's refusals.
 */
export function twilioActivityFailure(error: unknown, what: string): ApplicationFailure {
  const status = httpStatus(error);
  const code = twilioErrorCode(error);
  const details: TwilioFailureDetails = {
    ...(status !== undefined ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
  };
  const message = `Twilio could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
  const type = `Twilio${code ?? 'Error'}`;
  return isRetryableTwilioError(error)
    ? ApplicationFailure.retryable(message, type, details)
    : ApplicationFailure.nonRetryable(message, type, details);
}
