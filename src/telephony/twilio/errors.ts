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
