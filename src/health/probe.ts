import type { HealthCheck } from './status';

/** Each probe gets this long; they run in parallel, so `/health` answers within about this (~2 s budget). */
export const PROBE_TIMEOUT_MS = 1_500;

/** The error's message without anything that could carry a credential (URLs lose their userinfo and query). */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${message}${cause}`.replace(/\/\/[^/\s@]*@/g, '//').replace(/\?\S*/g, '');
}

/** Runs `check`, turning a throw or an overrun into `down` with the reason. */
export async function withTimeout(
  check: () => Promise<HealthCheck>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<HealthCheck>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'down', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
  } catch (error) {
    return { status: 'down', detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** `ok` when `run` resolves in time, else `down` with why. */
export function probe(run: () => Promise<unknown>, okDetail: string, timeoutMs = PROBE_TIMEOUT_MS) {
  return withTimeout(async () => {
    await run();
    return { status: 'ok', detail: okDetail };
  }, timeoutMs);
}

/**
 * Remembers each key's last result for `ttlMs`, so a load balancer polling every few seconds does
 * not turn into as many calls to Twilio or the providers; concurrent callers share one probe.
 */
export class ProbeCache {
  private readonly results = new Map<string, { at: number; check: Promise<HealthCheck> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, run: () => Promise<HealthCheck>): Promise<HealthCheck> {
    const cached = this.results.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.check;
    const check = run();
    this.results.set(key, { at: this.now(), check });
    // Keys of settings that changed (a rotated token) would otherwise stay forever.
    if (this.results.size > 256) this.results.delete(this.results.keys().next().value!);
    return check;
  }
}
