import { failureKind, twilioRetryPolicy } from '../faults/harness/twilio-retries';

describe("Twilio's webhook retry policy (connection overrides)", () => {
  it('defaults to one retry on a failed connection, 15 s to answer', () => {
    const policy = twilioRetryPolicy();
    expect(policy.retries).toBe(1);
    expect([...policy.retryOn]).toEqual(['ct']);
    expect(policy.readTimeoutMs).toBe(15_000);
  });

  it('reads rc, rp and rt from a fragment or a whole URL', () => {
    const policy = twilioRetryPolicy('https://example.com/twilio/messaging/inbound#rc=3&rp=ct,5xx&rt=8000');
    expect(policy.retries).toBe(3);
    expect([...policy.retryOn].sort()).toEqual(['5xx', 'ct']);
    expect(policy.readTimeoutMs).toBe(8000);
    expect([...twilioRetryPolicy('rp=all').retryOn].sort()).toEqual(['4xx', '5xx', 'ct', 'rt']);
  });

  it('rejects what Twilio would not accept, with a clear error', () => {
    expect(() => twilioRetryPolicy('rc=6')).toThrow(/rc must be an integer 0\.\.5/);
    expect(() => twilioRetryPolicy('rp=sometimes')).toThrow(/unknown retry policy "sometimes"/);
  });

  it('classifies answers and errors as Twilio counts them', () => {
    expect(failureKind({ status: 200 })).toBeUndefined();
    expect(failureKind({ status: 503 })).toBe('5xx');
    expect(failureKind({ status: 429 })).toBe('4xx');
    expect(failureKind({ error: Object.assign(new Error('timed out'), { name: 'TimeoutError' }) })).toBe('rt');
    expect(failureKind({ error: new TypeError('fetch failed') })).toBe('ct');
  });
});
