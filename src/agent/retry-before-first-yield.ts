import type { ChatStreamError } from './streaming-chat-model';

/** What one attempt reports back: `opened` once the provider has accepted the request and the stream is open. */
interface StreamAttemptProgress {
  opened: boolean;
}

/**
 * Runs `attempt` and passes its events on; a stream that opened and then failed before yielding anything is asked
 * again, up to `retries` times, when its error is retryable. The SDKs already retry failures to open the stream.
 * Once something was yielded nothing is retried: once text has gone to speech, a retry would say the same words
 * twice. An aborted signal ends the stream quietly.
 */
export async function* retryBeforeFirstYield<T>(
  attempt: (progress: StreamAttemptProgress) => AsyncIterable<T>,
  options: { signal: AbortSignal; retries: number; toFailure: (error: unknown) => ChatStreamError },
): AsyncGenerator<T, void, undefined> {
  const { signal, retries, toFailure } = options;
  for (let attemptNumber = 0; !signal.aborted; attemptNumber += 1) {
    const progress = { opened: false, yielded: false };
    try {
      for await (const event of attempt(progress)) {
        progress.yielded = true;
        yield event;
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      const failure = toFailure(error);
      if (!progress.opened || progress.yielded || !failure.details.retryable || attemptNumber >= retries) throw failure;
    }
  }
}
