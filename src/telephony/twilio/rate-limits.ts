/**
 * 429s Twilio answered this process, per account, for `/health` ("rate limiting seen recently").
 * Process-wide on purpose: every Twilio client of the process (activities, the operator API, the
 * health probe itself) reports here, whoever built it.
 */
const seen = new Map<string, number[]>();
/** Older answers are forgotten; health looks back at most this far. */
const KEEP_MS = 60 * 60 * 1000;
/** Per account: enough to count a burst, bounded whatever Twilio answers. */
const MAX_PER_ACCOUNT = 1_000;

export function recordTwilioRateLimit(accountSid: string, at = Date.now()): void {
  const times = (seen.get(accountSid) ?? []).filter((t) => at - t < KEEP_MS);
  times.push(at);
  if (times.length > MAX_PER_ACCOUNT) times.splice(0, times.length - MAX_PER_ACCOUNT);
  seen.set(accountSid, times);
}

/** accountSid -> how many 429s in the last `windowMs`, with the latest; accounts without any are left out. */
export function recentTwilioRateLimits(
  windowMs: number,
  now = Date.now(),
): Map<string, { count: number; lastAt: number }> {
  const recent = new Map<string, { count: number; lastAt: number }>();
  for (const [accountSid, times] of seen) {
    const inWindow = times.filter((t) => now - t < windowMs);
    if (inWindow.length) recent.set(accountSid, { count: inWindow.length, lastAt: Math.max(...inWindow) });
  }
  return recent;
}
