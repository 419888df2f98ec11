import { MongoClient, type Db } from 'mongodb';
import { IdempotencyKeyStore } from '../../src/gateway/idempotency-keys';
import { MessageStore } from '../../src/memory/message-store';
import { sendOnce } from '../../src/messaging/send-once';
import { actOnce, SideEffectLedger } from '../../src/storage/side-effects';
import { attemptTimeLeftMs, RECORDING_MARGIN_MS, withinAttempt } from '../../src/temporal/attempt-budget';
import { sendKeyOf, withSendKey } from '../../src/telephony/twilio/send-key';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { testStack, uniqueName } from '../harness/stack';

describe('idempotency keys and intents', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('idem').replace(/-/g, '_'));
  });

  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  describe('the side-effect ledger', () => {
    it('records an intent once and hands a later attempt what the first left', async () => {
      const ledger = new SideEffectLedger(db);
      expect(await ledger.intend('page:1', 'escalation')).toBeUndefined();
      expect(await ledger.intend('page:1', 'escalation')).toMatchObject({ key: 'page:1', state: 'intended' });
      await ledger.done('page:1', { via: 'sms' });
      expect(await ledger.intend('page:1', 'escalation')).toMatchObject({ state: 'done', result: { via: 'sms' } });
      await expect(ledger.intend('page:1', 'outbound-call')).rejects.toThrow(/is a escalation, not a outbound-call/);
    });

    it('acts once: a done effect is returned, an interrupted one is looked for before acting again', async () => {
      const ledger = new SideEffectLedger(db);
      let acted = 0;
      const act = async () => ({ callSid: `CA${++acted}` });
      expect(await actOnce(ledger, 'call:a', 'outbound-call', { act })).toEqual({ callSid: 'CA1' });
      expect(await actOnce(ledger, 'call:a', 'outbound-call', { act })).toEqual({ callSid: 'CA1' });
      expect(acted).toBe(1);

      // An attempt that died after acting: the next finds the effect instead of acting.
      await ledger.intend('call:b', 'outbound-call');
      const since: Date[] = [];
      const found = await actOnce(ledger, 'call:b', 'outbound-call', {
        findEarlier: async (at) => {
          since.push(at);
          return { callSid: 'CA-found' };
        },
        act,
      });
      expect(found).toEqual({ callSid: 'CA-found' });
      expect(acted).toBe(1);
      expect(since).toHaveLength(1);
      expect(await ledger.claimed('outbound-call', 'callSid', 'CA-found')).toBe(true);
      expect(await ledger.claimed('outbound-call', 'callSid', 'CA-other')).toBe(false);

      // Nothing found: it acts.
      await ledger.intend('call:c', 'outbound-call');
      expect(await actOnce(ledger, 'call:c', 'outbound-call', { findEarlier: async () => undefined, act })).toEqual({
        callSid: 'CA2',
      });
    });
  });

  describe('sendOnce', () => {
    const message = (id: string) => ({
      id,
      customerId: 'cus_1',
      accountSid: 'AC1',
      direction: 'outbound' as const,
      channel: 'sms' as const,
      from: '+15005550006',
      to: '+14155550100',
      body: 'hi',
      status: 'sending',
    });

    it('records, sends, marks; a second call returns the sid without sending or looking', async () => {
      const messages = new MessageStore(db);
      const calls: string[] = [];
      const steps = {
        findEarlier: async () => {
          calls.push('find');
          return undefined;
        },
        send: async () => {
          calls.push('send');
          return { sid: 'SM1', status: 'queued' };
        },
      };
      expect(await sendOnce(messages, message('m1'), steps)).toEqual({ sid: 'SM1', status: 'queued' });
      expect(await sendOnce(messages, message('m1'), steps)).toMatchObject({ sid: 'SM1' });
      expect(calls).toEqual(['send']);
    });

    it('an intent without a sid: looks first, and sends only when nothing is found', async () => {
      const messages = new MessageStore(db);
      await messages.recordOnce(message('m2'));
      let sent = 0;
      const found = await sendOnce(messages, message('m2'), {
        findEarlier: async () => ({ sid: 'SM-earlier', status: 'sent' }),
        send: async () => ({ sid: `SM${++sent}`, status: 'queued' }),
      });
      expect(found.sid).toBe('SM-earlier');
      expect(sent).toBe(0);
      expect((await messages.get('m2'))?.twilioSid).toBe('SM-earlier');

      await messages.recordOnce(message('m3'));
      const fresh = await sendOnce(messages, message('m3'), {
        findEarlier: async () => undefined,
        send: async () => ({ sid: 'SM-new', status: 'queued' }),
      });
      expect(fresh.sid).toBe('SM-new');
    });

    it('a sid the status callback binds while the lookup runs counts as sent: no second send', async () => {
      const messages = new MessageStore(db);
      await messages.recordOnce(message('m5'));
      let sent = 0;
      const result = await sendOnce(messages, message('m5'), {
        // The earlier attempt's status callback arrives during the lookup, which (its sid now ours) finds nothing.
        findEarlier: async () => {
          await messages.bindTwilioSid('m5', 'AC1', 'SM-called-back');
          return undefined;
        },
        send: async () => ({ sid: `SM${++sent}`, status: 'queued' }),
      });
      expect(result.sid).toBe('SM-called-back');
      expect(sent).toBe(0);
      expect(await messages.withTwilioSid('SM-called-back')).toBe('m5');
    });

    it("a status callback's binding counts as sent, and never overwrites a sid", async () => {
      const messages = new MessageStore(db);
      await messages.recordOnce(message('m4'));
      expect(await messages.bindTwilioSid('m4', 'AC-other', 'SM-x')).toBe(false);
      expect(await messages.bindTwilioSid('m4', 'AC1', 'SM-bound')).toBe(true);
      expect(await messages.bindTwilioSid('m4', 'AC1', 'SM-later')).toBe(false);
      const result = await sendOnce(messages, message('m4'), {
        findEarlier: async () => {
          throw new Error('not needed');
        },
        send: async () => {
          throw new Error('not needed');
        },
      });
      expect(result.sid).toBe('SM-bound');
    });
  });

  describe('operator Idempotency-Keys', () => {
    it('claims a key once; the same request replays the answer, another is a mismatch', async () => {
      const keys = new IdempotencyKeyStore(db);
      const now = new Date('2026-11-29T10:00:00Z');
      expect(await keys.claim('op:k1', 'fp-a', now)).toEqual({ kind: 'claimed' });
      expect(await keys.claim('op:k1', 'fp-a', now)).toEqual({ kind: 'in-progress' });
      expect(await keys.claim('op:k1', 'fp-b', now)).toEqual({ kind: 'mismatch' });
      await keys.complete('op:k1', 201, { callSid: 'CA1' });
      expect(await keys.claim('op:k1', 'fp-a', now)).toEqual({ kind: 'replay', status: 201, body: { callSid: 'CA1' } });
      // A day later the key is free for anything.
      expect(await keys.claim('op:k1', 'fp-b', new Date(now.getTime() + 25 * 3600_000))).toEqual({ kind: 'claimed' });
    });

    it('a released key (the request failed on our side) runs again; a dead request frees it after its lease', async () => {
      const keys = new IdempotencyKeyStore(db);
      const now = new Date('2026-11-29T10:00:00Z');
      await keys.claim('op:k2', 'fp', now);
      await keys.release('op:k2');
      expect(await keys.claim('op:k2', 'fp', now)).toEqual({ kind: 'claimed' });
      expect(await keys.claim('op:k2', 'fp', new Date(now.getTime() + 60_000))).toEqual({ kind: 'in-progress' });
      expect(await keys.claim('op:k2', 'fp', new Date(now.getTime() + 4 * 60_000))).toEqual({ kind: 'claimed' });
    });
  });

  it("the send key rides in the StatusCallback URL's query, keeping any fragment", () => {
    const url = withSendKey('https://example.com/twilio/messaging/status#rc=3&rp=all', 'sms:CA1:toolu_1');
    expect(url).toBe('https://example.com/twilio/messaging/status?belugaKey=sms%3ACA1%3Atoolu_1#rc=3&rp=all');
    expect(sendKeyOf(Object.fromEntries(new URL(url).searchParams))).toBe('sms:CA1:toolu_1');
    expect(sendKeyOf({})).toBeUndefined();
    expect(sendKeyOf({ belugaKey: ['a', 'b'] })).toBeUndefined();
  });

  it("an activity attempt's time left bounds its requests; none outside an activity", () => {
    expect(attemptTimeLeftMs()).toBeUndefined();
    const left = withinAttempt(10_000, () => attemptTimeLeftMs());
    expect(left).toBeLessThanOrEqual(10_000 - RECORDING_MARGIN_MS);
    expect(left).toBeGreaterThan(10_000 - RECORDING_MARGIN_MS - 1_000);
  });

  it('a Twilio request the attempt has no time left for is not started', async () => {
    const twilio = createTwilioClient({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      apiBaseUrl: 'http://127.0.0.1:9',
      timeLeftMs: () => 400,
    });
    await expect(twilio.messages.list({ limit: 1 })).rejects.toThrow(/no time left in this activity attempt/);
  });
});
