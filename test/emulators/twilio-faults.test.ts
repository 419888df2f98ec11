import twilio from 'twilio';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  OTHER_ACCOUNT_SID,
  OTHER_AUTH_TOKEN,
  startEmulatorWithClient,
  type EmulatorFixture,
} from './twilio-fixtures';

const SMS = { to: '+14155550101', from: '+14155550100', body: 'hello' };

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startEmulatorWithClient({ seed: 42 });
});
afterAll(() => fx.emulator.stop());
beforeEach(() => fx.emulator.reset());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  );
}

describe('429 rate limiting', () => {
  it('surfaces as RestException 20429 and creates nothing; the rule is spent after N requests', async () => {
    const rule = fx.emulator.faults.failNext(2, 'rate-limit');
    for (let i = 0; i < 2; i += 1) {
      const error = await failure(fx.client.messages.create(SMS));
      expect(error).toBeInstanceOf(twilio.RestException);
      expect(error).toMatchObject({ status: 429, code: 20429, moreInfo: 'https://www.twilio.com/docs/errors/20429' });
    }
    expect(fx.emulator.sentMessages()).toEqual([]);
    expect(rule.fired).toBe(2);

    await fx.client.messages.create(SMS);
    expect(fx.emulator.sentMessages()).toHaveLength(1);
    expect(fx.emulator.requests.map((r) => [r.status, r.fault])).toEqual([
      [429, 'rate-limit'],
      [429, 'rate-limit'],
      [201, undefined],
    ]);
  });

  it('answers with the exact Twilio 20429 body', async () => {
    fx.emulator.faults.failNext(1, 'rate-limit');
    const response = await fetch(`${fx.baseUrl}/api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
    });
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    });
  });

  it('does not apply a rejected call modification', async () => {
    const call = await fx.client.calls.create({ to: SMS.to, from: SMS.from, url: 'https://gw.example/voice' });
    fx.emulator.setCallStatus(call.sid, 'in-progress');
    fx.emulator.faults.failNext(1, 'rate-limit', { method: 'POST', path: '/api/2010-04-01/Accounts/*/Calls/*.json' });
    await expect(fx.client.calls(call.sid).update({ status: 'completed' })).rejects.toMatchObject({ code: 20429 });
    expect(fx.emulator.callModifications(call.sid)).toEqual([]);
    expect(fx.emulator.createdCalls()[0]?.status).toBe('in-progress');
  });
});

describe('server errors and dropped connections', () => {
  it.each([
    ['server-error', 500, 20500],
    ['service-unavailable', 503, 20503],
  ] as const)('%s surfaces as RestException %i and creates nothing', async (kind, status, code) => {
    fx.emulator.faults.failNext(1, kind);
    const error = await failure(fx.client.conversations.v1.conversations.create({ friendlyName: 'x' }));
    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status, code });
    expect(fx.emulator.state.conversations).toEqual([]);
  });

  it('a dropped connection rejects with a transport error, not a RestException, and creates nothing', async () => {
    fx.emulator.faults.failNext(1, 'drop-connection');
    const error = await failure(fx.client.messages.create(SMS));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(twilio.RestException);
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    expect(fx.emulator.sentMessages()).toEqual([]);
    expect(fx.emulator.requests[0]).toMatchObject({ fault: 'drop-connection', status: undefined });
    await fx.client.messages.create(SMS); // the emulator keeps serving afterwards
    expect(fx.emulator.sentMessages()).toHaveLength(1);
  });

  it('a lost response: the request takes effect, the client sees a transport error', async () => {
    fx.emulator.faults.failNext(1, 'lose-response', { method: 'POST', path: /Messages\.json$/ });
    const error = await failure(fx.client.messages.create(SMS));
    expect(error).not.toBeInstanceOf(twilio.RestException);
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    // Twilio accepted it: the message exists and is listed, though its sid never reached the client.
    const [sent] = fx.emulator.sentMessages();
    expect(sent).toMatchObject({ to: SMS.to, body: 'hello' });
    const listed = await fx.client.messages.list({ to: SMS.to, from: SMS.from, limit: 5 });
    expect(listed.map((m) => m.sid)).toEqual([sent!.sid]);
    expect(fx.emulator.requests[0]).toMatchObject({ fault: 'lose-response', status: undefined });
  });

  it('scopes a rule to a route pattern', async () => {
    fx.emulator.faults.failNext(5, 'service-unavailable', { path: '/api/2010-04-01/Accounts/*/Calls.json' });
    await fx.client.messages.create(SMS);
    await expect(
      fx.client.calls.create({ to: SMS.to, from: SMS.from, url: 'https://gw.example/voice' }),
    ).rejects.toMatchObject({
      status: 503,
    });
    expect(fx.emulator.sentMessages()).toHaveLength(1);
    expect(fx.emulator.createdCalls()).toEqual([]);
  });
});

describe('probabilistic faults', () => {
  async function runPattern(): Promise<string> {
    fx.emulator.reset();
    fx.emulator.faults.reseed(7);
    fx.emulator.faults.failWithProbability(0.5, 'rate-limit', { path: /Messages\.json$/ });
    let pattern = '';
    for (let i = 0; i < 24; i += 1) {
      pattern += await fx.client.messages.create(SMS).then(
        () => '.',
        () => 'x',
      );
    }
    return pattern;
  }

  it('is reproducible from the seed, and failed requests create nothing', async () => {
    const first = await runPattern();
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(fx.emulator.sentMessages()).toHaveLength(first.split('.').length - 1);
    expect(await runPattern()).toBe(first);
  });
});

describe('latency', () => {
  it('delays matching requests until the rule is removed', async () => {
    const rule = fx.emulator.faults.latency(300, { method: 'POST' });
    let started = Date.now();
    await fx.client.messages.create(SMS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await fx.client.messages.list({ limit: 1 }); // GET does not match
    expect(Date.now() - started).toBeLessThan(200);
    rule.remove();
    started = Date.now();
    await fx.client.messages.create(SMS);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('HTTP Basic auth', () => {
  it('rejects a wrong token and an unknown account with 401 / 20003 and creates nothing', async () => {
    for (const [sid, token] of [
      [ACCOUNT_SID, 'wrong-token'],
      [`AC${'9'.repeat(32)}`, AUTH_TOKEN],
    ] as const) {
      const client = createTwilioClient({ accountSid: sid, authToken: token, apiBaseUrl: fx.baseUrl });
      const error = await failure(client.messages.create(SMS));
      expect(error).toBeInstanceOf(twilio.RestException);
      expect(error).toMatchObject({ status: 401, code: 20003, moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    }
    expect(fx.emulator.sentMessages()).toEqual([]);
  });

  it('asks for credentials when none are sent', async () => {
    const response = await fetch(`${fx.baseUrl}/conversations/v1/Conversations`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
    expect(await response.json()).toMatchObject({ code: 20003, status: 401 });
  });

  it("refuses another account's resources", async () => {
    const other = createTwilioClient({
      accountSid: OTHER_ACCOUNT_SID,
      authToken: OTHER_AUTH_TOKEN,
      apiBaseUrl: fx.baseUrl,
    });
    const message = await fx.client.messages.create(SMS);
    // The SDK puts its own account in the path; address the first account's message explicitly.
    const foreign = other.api.v2010.accounts(ACCOUNT_SID).messages(message.sid).fetch();
    await expect(foreign).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(other.messages(message.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});
