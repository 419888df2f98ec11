/** Timer helpers that the emulator can cancel on stop(), so no response outlives the server. */

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/** Timers may fire a millisecond early by the wall clock; re-check so "not before `deadline`" really holds. */
export async function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  while (Date.now() < deadline) await sleep(deadline - Date.now(), signal);
  if (signal.aborted) throw new AbortedError();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Milliseconds between content deltas; 0 when the rate means "as fast as possible". */
export function tokenIntervalMs(tokensPerSecond: number): number {
  return tokensPerSecond > 0 && Number.isFinite(tokensPerSecond) ? 1000 / tokensPerSecond : 0;
}
