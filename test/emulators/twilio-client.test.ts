import twilio from 'twilio';
import { createTwilioClient, rewriteTwilioUri } from '../../src/telephony/twilio/client';
import { ACCOUNT_SID, AUTH_TOKEN, startEmulatorWithClient, type EmulatorFixture } from './twilio-fixtures';

describe('rewriteTwilioUri', () => {
  const base = 'http://127.0.0.1:4010';

  it.each([
    [
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json',
      `${base}/api/2010-04-01/Accounts/AC1/Messages.json`,
    ],
    [
      'https://conversations.twilio.com/v1/Conversations?PageSize=2&Page=1',
      `${base}/conversations/v1/Conversations?PageSize=2&Page=1`,
    ],
    ['https://api.twilio.com:443/2010-04-01/Accounts.json', `${base}/api/2010-04-01/Accounts.json`],
    ['https://api.sydney.au1.twilio.com/2010-04-01/Accounts.json', `${base}/api/2010-04-01/Accounts.json`],
    ['https://api.twilio.com', `${base}/api`],
  ])('%s', (input, expected) => {
    expect(rewriteTwilioUri(input, base)).toBe(expected);
    expect(rewriteTwilioUri(input, `${base}/`)).toBe(expected);
  });

  it.each([
    'https://example.com/media/1.png',
    'https://api.twilio.com.attacker.example/2010-04-01',
    'http://api.twilio.com/2010-04-01', // not what the SDK emits; leave alone rather than guess
  ])('leaves %s untouched', (uri) => {
    expect(rewriteTwilioUri(uri, base)).toBe(uri);
  });
});

describe('createTwilioClient against the emulator', () => {
  let fx: EmulatorFixture;
  beforeAll(async () => {
    fx = await startEmulatorWithClient();
  });
  afterAll(() => fx.emulator.stop());
  beforeEach(() => fx.emulator.reset());

  it('keeps the Twilio host as the first path segment and authenticates with Basic auth', async () => {
    await fx.client.messages.create({ to: '+14155550101', from: '+14155550100', body: 'hi' });
    await fx.client.conversations.v1.conversations.create({ friendlyName: 'x' });
    expect(fx.emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      'POST /conversations/v1/Conversations',
    ]);
    expect(fx.emulator.requests.every((r) => r.accountSid === ACCOUNT_SID)).toBe(true);
    expect(fx.emulator.requests[0]?.headers['user-agent']).toMatch(/^twilio-node\//);
  });

  it('does not retry 429 by default (retries belong to Temporal activities)', async () => {
    fx.emulator.faults.failNext(1, 'rate-limit');
    await expect(
      fx.client.messages.create({ to: '+14155550101', from: '+14155550100', body: 'hi' }),
    ).rejects.toMatchObject({
      status: 429,
    });
    expect(fx.emulator.requests).toHaveLength(1);
  });

  it('retries 429 through the SDK when opted in', async () => {
    const retrying = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fx.baseUrl,
      autoRetry: true,
      maxRetries: 3,
      maxRetryDelayMs: 20,
    });
    fx.emulator.faults.failNext(2, 'rate-limit');
    const message = await retrying.messages.create({ to: '+14155550101', from: '+14155550100', body: 'hi' });
    expect(fx.emulator.requests.map((r) => r.status)).toEqual([429, 429, 201]);
    expect(fx.emulator.sentMessages().map((m) => m.sid)).toEqual([message.sid]);
  });

  it('applies timeoutMs; a timed-out request may still have been processed (ambiguous outcome)', async () => {
    const impatient = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fx.baseUrl,
      timeoutMs: 100,
    });
    // Far apart, so a loaded machine cannot blur "gave up at the timeout" into "waited for the answer".
    fx.emulator.faults.latency(3000);
    const started = Date.now();
    const error: unknown = await impatient.messages
      .create({ to: '+14155550101', from: '+14155550100', body: 'hi' })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(twilio.RestException);
    await waitFor(() => fx.emulator.requests[0]?.status !== undefined, 8000);
    expect(fx.emulator.sentMessages()).toHaveLength(1);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
