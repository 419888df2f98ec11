/** The window failed sign-ins are counted in. */
const WINDOW_MS = 15 * 60_000;

/**
 * Failed sign-ins per email and per client address in the last 15 minutes (in this gateway's memory):
 * past the limit, sign-in answers 429 until the window moves on, whatever the credentials. Slows
 * password guessing down to `limit` tries per quarter hour per email.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  private recent(key: string, now: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  /** Seconds until another try is allowed, or 0 when one is allowed now. */
  retryAfter(keys: string[], limit: number, now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= limit)
        wait = Math.max(wait, Math.ceil((recent[recent.length - limit]! + WINDOW_MS - now) / 1000));
    }
    return wait;
  }

  fail(keys: string[], now = Date.now()): void {
    // Bounded: a flood of distinct emails cannot grow the map without limit.
    if (this.failures.size > 50_000) this.failures.clear();
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
