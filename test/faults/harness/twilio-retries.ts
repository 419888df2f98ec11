/**
 * How Twilio retries a webhook, from the connection overrides on the URL it is given (`…#rc=3&rp=ct,5xx`):
 * `rc` retries (default 1, at most 5) when the failure is of a kind `rp` lists — `ct` connection failed or
 * timed out (the default), `rt` no answer within the read timeout, `4xx`, `5xx`, `all` — and `rt`/`tt` bound
 * the wait for an answer (default 15 s).
 */
export type FailureKind = 'ct' | 'rt' | '4xx' | '5xx';

export interface TwilioRetryPolicy {
  retries: number;
  retryOn: ReadonlySet<FailureKind>;
  readTimeoutMs: number;
}

const KINDS: readonly FailureKind[] = ['ct', 'rt', '4xx', '5xx'];

/** Parses the overrides (with or without the leading `#`, or a whole URL); `''` gives Twilio's defaults. */
export function twilioRetryPolicy(overrides = ''): TwilioRetryPolicy {
  const fragment = overrides.includes('#') ? overrides.slice(overrides.indexOf('#') + 1) : overrides;
  const params = new URLSearchParams(fragment);
  const retries = params.has('rc') ? Number(params.get('rc')) : 1;
  if (!Number.isInteger(retries) || retries < 0 || retries > 5)
    throw new RangeError(`rc must be an integer 0..5, got ${params.get('rc')}`);
  const policy = (params.get('rp') ?? 'ct').split(',').map((p) => p.trim());
  const retryOn = new Set<FailureKind>();
  for (const p of policy) {
    if (p === 'all') KINDS.forEach((k) => retryOn.add(k));
    else if ((KINDS as readonly string[]).includes(p)) retryOn.add(p as FailureKind);
    else throw new RangeError(`rp: unknown retry policy "${p}" (ct, rt, 4xx, 5xx, all)`);
  }
  const timeout = Number(params.get('rt') ?? params.get('tt') ?? 15_000);
  if (!(timeout > 0)) throw new RangeError('rt/tt must be a positive number of milliseconds');
  return { retries, retryOn, readTimeoutMs: timeout };
}

/** What kind of failure Twilio would count an answer or a thrown fetch error as. */
export function failureKind(outcome: { status: number } | { error: unknown }): FailureKind | undefined {
  if ('status' in outcome) {
    if (outcome.status >= 500) return '5xx';
    if (outcome.status >= 400) return '4xx';
    return undefined;
  }
  const error = outcome.error as { name?: string } | undefined;
  return error?.name === 'TimeoutError' || error?.name === 'AbortError' ? 'rt' : 'ct';
}
