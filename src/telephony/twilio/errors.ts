import { ApplicationFailure } from '@temporalio/common';

/** Twilio REST failures that are safe and useful to retry (throttling, server side, network). */
export function isRetryableTwilioError(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status === 429 || status >= 500;
  // No HTTP status: connection reset, timeout, DNS — the request may not have been processed.
  return true;
}

export function twilioErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Carried in the failure's details so the caller (operator API) can answer with Twilio's status and code. */
interface TwilioFailureDetails {
  status?: number;
  code?: number;
}

/**
 * The one mapping of a Twilio REST error to an activity failure: 429/5xx/network retryable
 * (Temporal retries it durably), any other 4xx non-retryable (an invalid number, an unsubscribed
 * recipient: retrying cannot help). Typed `Twilio<code>`, Twilio's status and code in the details
 * (the operator API answers with them), the original error as the cause. An ApplicationFailure
 * (already mapped further down) passes through unchanged.
 */
export function twilioFailure(error: unknown, what: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const status = (error as { status?: unknown }).status;
  const code = twilioErrorCode(error);
  const details: TwilioFailureDetails = {
    ...(typeof status === 'number' ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
  };
  return ApplicationFailure.create({
    message: `Twilio could not ${what}: ${error instanceof Error ? error.message : String(error)}`,
    type: `Twilio${code ?? 'Error'}`,
    nonRetryable: !isRetryableTwilioError(error),
    details: [details],
    ...(error instanceof Error ? { cause: error } : {}),
  });
}
