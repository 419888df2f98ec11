/** Polls `probe` until it returns a value (not undefined/false); fails naming `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until `probe` has returned the same value for `quietMs` (e.g. no new reply for a while); returns it. */
export async function settled<T>(probe: () => T, quietMs: number, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(probe());
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = JSON.stringify(probe());
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return probe();
}
