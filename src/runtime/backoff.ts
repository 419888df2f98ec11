/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many deliveries spread out. */
export function jitteredBackoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A cancellable wait of `jitteredBackoffMs` between reconnection attempts; `cancel()` cuts it short. */
export class Backoff {
  private waiting: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  wait(attempt: number, limits: { baseDelayMs: number; maxDelayMs: number }): Promise<void> {
    const delay = jitteredBackoffMs(attempt, limits.baseDelayMs, limits.maxDelayMs);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve();
      }, delay);
      this.waiting = { timer, resolve };
    });
  }

  cancel(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.resolve();
  }
}
