import { MockActivityEnvironment } from '@temporalio/testing';
import { createToolActivities } from '../../activities/tools';
import { createPlatformActivities } from '../../activities/platform';
import { findConversationReply, postConversationReply } from '../../src/conversations/post-reply';
import { VerificationStore } from '../../src/customers/verification-store';
import { MessageStore } from '../../src/memory/message-store';
import { sendSms } from '../../src/messaging/send-sms';
import { SideEffectLedger } from '../../src/storage/side-effects';
import { TwilioAccounts } from '../../src/telephony/twilio/accounts';
import type { ToolActivityInput } from '../../src/agents/tool-calls';
import { platformDepsOf } from '../harness/platform-activities';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';

const ON_CALL = '+15005550188';
const TRANSFER_TO = '+15005550123';
const SMS_SENDS = { method: 'POST', path: /\/Messages\.json$/ };
const SMS_LOOKUPS = { method: 'GET', path: /\/Messages\.json/ };

const prefix = `+1632${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

/** Thrown where the process "dies": after Twilio acted, before the outcome was recorded. */
class Killed extends Error {}

/**
 * An attempt killed between Twilio acting and the outcome being recorded, and the attempt after
 * it: the side effect happens once. The crash is injected into the store the attempt records with
 * (the process-level kill -9 is in test/faults/); the retry is the same activity input again.
 */
describe('side effects across a crash between acting and recording', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ ESCALATION_ON_CALL_NUMBER: ON_CALL, VOICE_TRANSFER_NUMBER: TRANSFER_TO });
  });

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(() => system.twilio.faults.clear());

  function inActivity<R>(fn: () => Promise<R>, attempt = 1): Promise<R> {
    return new MockActivityEnvironment({ attempt }).run<[], R, () => Promise<R>>(fn);
  }

  /** A message store whose first `markSent` dies: the text went out, its sid was never recorded. */
  function dyingOnMarkSent(): MessageStore {
    const store = new MessageStore(system.db);
    let died = false;
    const markSent = store.markSent.bind(store);
    store.markSent = async (...args) => {
      if (died) return markSent(...args);
      died = true;
      throw new Killed('killed after the send');
    };
    return store;
  }

  function textTo(to: string, key: string) {
    return {
      idempotencyKey: key,
      customerId: `cus_crash_${to.slice(1)}`,
      accountSid: TEST_ACCOUNT_SID,
      from: AGENT_NUMBER,
      to,
      body: `Your code word is ${key}`,
    };
  }

  it('a text whose sid was never recorded: the retry finds it at Twilio and sends nothing', async () => {
    const to = uniquePhone();
    const deps = { ...platformDepsOf(system), messages: dyingOnMarkSent() };
    await expect(sendSms(deps, textTo(to, `crash:${to}`))).rejects.toThrow(Killed);
    const retried = await sendSms(deps, textTo(to, `crash:${to}`));
    const sent = system.twilio.sentMessages({ to });
    expect(sent.map((m) => m.sid)).toEqual([retried.twilioSid]);
    expect((await new MessageStore(system.db).get(`crash:${to}`))?.twilioSid).toBe(retried.twilioSid);
  });

  it('a text whose sid was never recorded but whose status callback came: bound by the callback, no lookup', async () => {
    const to = uniquePhone();
    const key = `callback:${to}`;
    const deps = { ...platformDepsOf(system), messages: dyingOnMarkSent() };
    await expect(sendSms(deps, textTo(to, key))).rejects.toThrow(Killed);
    const [message] = system.twilio.sentMessages({ to });
    const callback = new URL(message!.statusCallback!);
    expect(callback.searchParams.get('belugaKey')).toBe(key);
    await system.webhook(`${callback.pathname}${callback.search}`, {
      MessageSid: message!.sid,
      AccountSid: TEST_ACCOUNT_SID,
      MessageStatus: 'sent',
      To: to,
      From: AGENT_NUMBER,
    });
    const messages = new MessageStore(system.db);
    await eventually('the sid bound by the callback', async () => (await messages.get(key))?.twilioSid);
    const lookups = system.twilio.requestsMatching(SMS_LOOKUPS).length;
    expect((await sendSms(deps, textTo(to, key))).twilioSid).toBe(message!.sid);
    expect(system.twilio.requestsMatching(SMS_LOOKUPS)).toHaveLength(lookups);
    expect(system.twilio.sentMessages({ to })).toHaveLength(1);
  });

  it('a Conversations post whose answer was lost is found again by the key in its attributes', async () => {
    const client = new TwilioAccounts(system.config).client(TEST_ACCOUNT_SID);
    const conversation = await client.conversations.v1.conversations.create({ friendlyName: 'crash' });
    const lost = system.twilio.faults.failNext(1, 'lose-response', { method: 'POST', path: /\/Messages$/ });
    const post = { conversationSid: conversation.sid, author: 'agent', body: 'Hello', idempotencyKey: 'reply:IM1' };
    await expect(postConversationReply(client, post)).rejects.toThrow();
    expect(lost.fired).toBe(1);
    const found = await findConversationReply(client, conversation.sid, 'reply:IM1');
    expect(found?.sid).toMatch(/^IM/);
    expect(await findConversationReply(client, conversation.sid, 'reply:IM2')).toBeUndefined();
  });

  it('an escalation killed after paging: the retry does not page again', async () => {
    const customer = uniquePhone();
    const ledger = new SideEffectLedger(system.db);
    let died = false;
    const done = ledger.done.bind(ledger);
    ledger.done = async (...args) => {
      if (died) return done(...args);
      died = true;
      throw new Killed('killed after paging');
    };
    const escalate = () =>
      inActivity(() =>
        createPlatformActivities({ ...platformDepsOf(system), sideEffects: ledger }).escalate({
          reason: 'wants a refund',
          customerAddress: customer,
          agentAddress: AGENT_NUMBER,
          key: `esc-${customer}`,
        }),
      );
    // The first page's answer is lost too: the page is found at Twilio, not sent again.
    const lost = system.twilio.faults.failNext(1, 'lose-response', SMS_SENDS);
    await expect(escalate()).rejects.toThrow();
    await expect(escalate()).rejects.toThrow(Killed);
    expect(await escalate()).toMatchObject({ escalated: true, via: 'on-call number notified' });
    expect(await escalate()).toMatchObject({ escalated: true });
    expect(lost.fired).toBe(1);
    const pages = system.twilio.sentMessages({ to: ON_CALL }).filter((m) => m.body.includes(customer));
    expect(pages).toHaveLength(1);
    expect(await ledger.get(`escalation:esc-${customer}`)).toMatchObject({ state: 'done', kind: 'escalation' });
  });

  it('tool activities run again for the same tool call (a retried update): one text, one transfer', async () => {
    const caller = uniquePhone();
    const tools = createToolActivities({ ...platformDepsOf(system), verifications: new VerificationStore(system.db) });
    const client = new TwilioAccounts(system.config).client(TEST_ACCOUNT_SID);
    const call = await client.calls.create({
      to: AGENT_NUMBER,
      from: caller,
      url: 'https://beluga-test.example.com/x',
    });
    system.twilio.setCallStatus(call.sid, 'in-progress');
    const context = {
      channel: 'voice' as const,
      customerId: `cus_tools_${caller.slice(1)}`,
      accountSid: TEST_ACCOUNT_SID,
      customerAddress: caller,
      agentAddress: AGENT_NUMBER,
      callSid: call.sid,
    };
    const run = (name: string, input: ToolActivityInput) => inActivity(() => tools[name]!(input));
    const text: ToolActivityInput = {
      input: { message: 'Ref BX-9' },
      context: { ...context, toolCallId: 'toolu_sms_1' },
    };
    expect(await run('tool_send_sms', text)).toMatchObject({ ok: true });
    expect(await run('tool_send_sms', text)).toMatchObject({ ok: true });
    expect(system.twilio.sentMessages({ to: caller }).map((m) => m.body)).toEqual(['Ref BX-9']);

    const transfer: ToolActivityInput = {
      input: { reason: 'asked for a person' },
      context: { ...context, toolCallId: 'toolu_transfer_1' },
    };
    expect(await run('tool_transfer_call', transfer)).toMatchObject({ ok: true });
    expect(await run('tool_transfer_call', transfer)).toMatchObject({ ok: true });
    expect(system.twilio.dialledLegs(call.sid).map((leg) => leg.to)).toEqual([TRANSFER_TO]);
  });
});
