import { WorkflowNotFoundError } from '@temporalio/client';
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { customerWorkflowId } from '../../workflows/customer/contract';
import {
  AGENT_NUMBER,
  eventually,
  inboundSms,
  startTestSystem,
  TEST_ACCOUNT_SID,
  type TestSystem,
} from '../harness/system';
import { rulesResponder } from '../../devstack/emulators/anthropic';
import { signTwilioRequest } from '../../devstack/emulators/twilio';

// The foundation's proof: signed webhook → gateway → signal-with-start → LLM activity → Twilio send,
// against the real Temporal server, FerretDB, the real SDKs and the wire-level emulators.
describe('durable SMS round trip', () => {
  let system: TestSystem;
  let n = 0;
  const customer = () => `+1415555${String(1000 + ++n + Math.floor(Math.random() * 8000)).padStart(4, '0')}`;

  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function workflowFor(phone: string) {
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, phone);
    return system.temporal.workflow.getHandle(customerWorkflowId(customerId));
  }

  it('answers a signed inbound SMS with the model reply, sent through the Twilio REST API', async () => {
    const from = customer();
    system.anthropic.enqueue('Your order ships tomorrow.');
    const response = await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'When does my order ship?'));
    expect(response.status).toBe(200);
    expect(response.body).toContain('<Response');

    const [reply] = await eventually('reply sent', () => {
      const sent = system.twilio.sentMessages({ to: from });
      return sent.length > 0 && sent;
    });
    expect(reply!.body).toBe('Your order ships tomorrow.');
    expect(reply!.from).toBe(AGENT_NUMBER);
    // With the send's key (which the callback brings back) and the connection overrides that make
    // Twilio retry a timed-out or 5xx callback.
    expect(reply!.params.StatusCallback).toMatch(
      /^https:\/\/beluga-test\.example\.com\/twilio\/messaging\/status\?belugaKey=reply%3ASM\w+#ct=3000&rt=8000&tt=15000&rc=3&rp=ct,rt,5xx$/,
    );

    const llmRequest = system.anthropic.requests.find((r) =>
      JSON.stringify(r.messages).includes('When does my order ship?'),
    );
    expect(llmRequest).toBeDefined();
    expect(llmRequest!.system).toContain('customer support agent');

    const description = await (await workflowFor(from)).describe();
    expect(description.type).toBe('customerWorkflow');
    expect(description.searchAttributes.CustomerId).toEqual([
      await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from),
    ]);
  });

  it('rejects a forged signature with 403 and starts nothing', async () => {
    const from = customer();
    const params = inboundSms(from, 'forged');
    const forged = signTwilioRequest(
      'not-the-auth-token',
      'https://beluga-test.example.com/twilio/messaging/inbound',
      params,
    );
    const response = await system.webhook('/twilio/messaging/inbound', params, { 'X-Twilio-Signature': forged });
    expect(response.status).toBe(403);
    await expect((await workflowFor(from)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(0);
  });

  it('rejects a missing signature, and a valid signature over different params, with 403', async () => {
    const from = customer();
    const params = inboundSms(from, 'no signature');
    const unsigned = await fetch(`${system.gatewayUrl}/twilio/messaging/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params as Record<string, string>).toString(),
    });
    expect(unsigned.status).toBe(403);
    const signedForOther = signTwilioRequest(
      'test-auth-token-0123456789abcdef',
      'https://beluga-test.example.com/twilio/messaging/inbound',
      { ...params, Body: 'something else' },
    );
    const tampered = await system.webhook('/twilio/messaging/inbound', params, {
      'X-Twilio-Signature': signedForOther,
    });
    expect(tampered.status).toBe(403);
    await expect((await workflowFor(from)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('produces one reply when Twilio delivers the same MessageSid twice', async () => {
    const from = customer();
    system.anthropic.setResponder(
      rulesResponder([
        { when: /first/, reply: 'reply to first' },
        { when: /second/, reply: 'reply to second' },
      ]),
    );
    const first = inboundSms(from, 'first message');
    const [a, b] = await Promise.all([
      system.webhook('/twilio/messaging/inbound', first),
      system.webhook('/twilio/messaging/inbound', first),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await eventually('first reply', () => system.twilio.sentMessages({ to: from }).length === 1);
    // Redelivered again later, after the reply went out.
    expect((await system.webhook('/twilio/messaging/inbound', first)).status).toBe(200);
    // Messages are answered strictly in order, so once the second's reply is out a duplicate would be too.
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'second message'));
    await eventually('second reply', () => system.twilio.sentMessages({ to: from }).length >= 2);
    expect(system.twilio.sentMessages({ to: from }).map((m) => m.body)).toEqual(['reply to first', 'reply to second']);
    expect(
      system.anthropic.requests.filter(
        (r) =>
          JSON.stringify(r.messages).includes('first message') &&
          !JSON.stringify(r.messages).includes('second message'),
      ),
    ).toHaveLength(1);
  });

  it('keeps context: the second request to the model carries the first exchange', async () => {
    const from = customer();
    system.anthropic.setResponder(rulesResponder([{ when: /my name is/i, reply: 'Nice to meet you, Ada.' }]));
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Hi, my name is Ada'));
    await eventually('first reply', () => system.twilio.sentMessages({ to: from }).length === 1);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'What is my name?'));
    await eventually('second reply', () => system.twilio.sentMessages({ to: from }).length === 2);
    const last = system.anthropic.requests
      .filter((r) => JSON.stringify(r.messages).includes('What is my name?'))
      .at(-1)!;
    expect(last.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(last.messages)).toContain('Hi, my name is Ada');
    expect(JSON.stringify(last.messages)).toContain('Nice to meet you, Ada.');
  });

  it('sends the polite fallback when the model keeps failing, never silence', async () => {
    const from = customer();
    system.anthropic.failNext({ kind: 'overloaded' }, 100);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Are you there?'));
    const [reply] = await eventually(
      'fallback reply',
      () => {
        const sent = system.twilio.sentMessages({ to: from });
        return sent.length > 0 && sent;
      },
      40_000,
    );
    expect(reply!.body).toBe(system.config.get().agent.fallbackReply);
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const events = await new EventLog(system.db).list({ type: 'agent.fallback', customerId });
    expect(events).toHaveLength(1);
    expect(events[0]!.data.channel).toBe('sms');
    expect(String(events[0]!.data.error)).toMatch(/overloaded|529/i);
    system.anthropic.clearFaults();
  }, 60_000);
});
