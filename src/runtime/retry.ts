import type { Logger } from '../observability/logger';

/** Processes start before their servers are up (dev stack, compose): keep trying, say so, don't die. */
export async function retryUntilConnected<T>(
  what: string,
  log: Logger,
  connect: () => Promise<T>,
  maxWaitMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let delay = 250;
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`could not connect to ${what} within ${maxWaitMs / 1000} s: ${(error as Error).message}`);
      log.warn({ err: (error as Error).message }, `waiting for ${what}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}
