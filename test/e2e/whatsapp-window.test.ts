import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { rulesResponder } from '../../devstack/emulators/anthropic';
import {
  AGENT_NUMBER,
  SECOND_ACCOUNT_SID,
  SECOND_AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { platformActivitiesOf } from '../harness/platform-activities';

const FOLLOW_UP_SID = 'HX' + 'f0'.repeat(16);
const DEFAULT_SID = 'HX' + 'd0'.repeat(16);
const DAY_AND_AN_HOUR = 25 * 60 * 60 * 1000;
const suffix = String(Math.floor(Math.random() * 100_000)).padStart(5, '0');

// WhatsApp accepts free-form business messages only within 24 h of the customer's last message:
// outside it, the account's approved template goes out instead, or the send is refused with an event.
describe('WhatsApp 24-hour window', () => {
  let system: TestSystem;
  let events: EventLog;

  beforeAll(async () => {
    // The second account has templates; the test account has none.
    system = await startTestSystem(
      {},
      {
        secondAccount: true,
        secondAccountTemplates: {
          followUp: { contentSid: FOLLOW_UP_SID, variables: { '1': '{body}' } },
          default: { contentSid: DEFAULT_SID },
        },
      },
    );
    events = new EventLog(system.db);
    system.anthropic.setResponder(rulesResponder([{ when: /./, reply: 'Happy to help.' }]));
  });
  afterAll(async () => {
    await system?.stop();
  });

  const platform = () => platformActivitiesOf(system);

  /** Each call is its own activity (the send's idempotency key comes from its id). */
  function inActivity<R>(fn: () => Promise<R>): Promise<R> {
    const activityId = `send-${Math.random().toString(36).slice(2)}`;
    return new MockActivityEnvironment({ attempt: 1, activityId }).run<[], R, () => Promise<R>>(fn);
  }

  /** A WhatsApp conversation: the customer writes, the agent replies in free text (inside the window). */
  async function converse(accountSid: string, agent: string, customer: string): Promise<string> {
    const response = await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(customer, 'Hello, where is my parcel?', { AccountSid: accountSid, To: agent }),
    );
    expect(response.status).toBe(200);
    const [reply] = await eventually('reply', () => {
      const sent = system.twilio.sentMessages({ to: customer });
      return sent.length > 0 && sent;
    });
    expect(reply!.body).toBe('Happy to help.');
    expect(reply!.params['ContentSid']).toBeUndefined();
    return (await new IdentityStore(system.db).find(accountSid, customer))!;
  }

  /** A day and an hour pass: the customer's messages are dated back (the window is measured from them). */
  async function dayPasses(customer: string): Promise<void> {
    const messages = system.db.collection('messages');
    const aged = await messages.updateMany(
      { from: customer, direction: 'inbound' },
      { $set: { createdAt: new Date(Date.now() - DAY_AND_AN_HOUR) } },
    );
    expect(aged.modifiedCount).toBeGreaterThan(0);
  }

  function followUp(customerId: string, accountSid: string, from: string, to: string, body: string) {
    return system.temporal.workflow.start('followUpWorkflow', {
      taskQueue: system.config.get().temporal.taskQueue,
      workflowId: `followup-${customerId}-window-${Math.random().toString(36).slice(2)}`,
      args: [{ customerId, accountSid, from, to, body, delayMs: 0 }],
    });
  }

  const refusals = async (to: string) =>
    (await events.list({ type: 'consent.send_refused' }, 1000)).filter((e) => (e.data as { to?: string }).to === to);

  it('after 24 h a follow-up and platform.sendText go out as the configured templates', async () => {
    const agent = `whatsapp:${SECOND_AGENT_NUMBER}`;
    const customer = `whatsapp:+1415${suffix}01`;
    const customerId = await converse(SECOND_ACCOUNT_SID, agent, customer);
    await dayPasses(customer);

    const handle = await followUp(customerId, SECOND_ACCOUNT_SID, agent, customer, 'Your parcel arrives Monday.');
    await handle.result();
    const acts = platform();
    await inActivity(() =>
      acts.sendText({ to: customer, from: agent, accountSid: SECOND_ACCOUNT_SID, body: 'Our sale starts today!' }),
    );

    const sent = system.twilio.sentMessages({ to: customer });
    expect(sent).toHaveLength(3);
    expect(sent[1]!.params).toMatchObject({
      ContentSid: FOLLOW_UP_SID,
      ContentVariables: JSON.stringify({ '1': 'Your parcel arrives Monday.' }),
    });
    expect(sent[1]!.params['Body']).toBeUndefined();
    expect(sent[2]!.params).toMatchObject({ ContentSid: DEFAULT_SID, ContentVariables: '{}' });
    expect(await refusals(customer)).toHaveLength(0);
  });

  it('with no template configured the send is refused with an event; a reply in the window is free text', async () => {
    const agent = `whatsapp:${AGENT_NUMBER}`;
    const customer = `whatsapp:+1415${suffix}02`;
    const customerId = await converse(TEST_ACCOUNT_SID, agent, customer);
    await dayPasses(customer);

    const handle = await followUp(customerId, TEST_ACCOUNT_SID, agent, customer, 'Your parcel arrives Monday.');
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const acts = platform();
    await expect(
      inActivity(() =>
        acts.sendText({ to: customer, from: agent, accountSid: TEST_ACCOUNT_SID, body: 'Our sale starts today!' }),
      ),
    ).rejects.toMatchObject({ type: 'WhatsAppWindowClosed', nonRetryable: true });

    expect(system.twilio.sentMessages({ to: customer })).toHaveLength(1);
    const refused = await refusals(customer);
    expect(refused.map((e) => e.data).sort((a, b) => String(a['purpose']).localeCompare(String(b['purpose'])))).toEqual(
      [
        { to: customer, from: agent, kind: 'message', reason: 'whatsapp_window_closed', purpose: 'follow_up' },
        { to: customer, from: agent, kind: 'message', reason: 'whatsapp_window_closed', purpose: 'notification' },
      ],
    );

    // The customer writes again: the window reopens and the agent's reply is free text.
    await system.webhook('/twilio/messaging/inbound', inboundSms(customer, 'Any news?', { To: agent }));
    const replies = await eventually('second reply', () => {
      const sent = system.twilio.sentMessages({ to: customer });
      return sent.length > 1 && sent;
    });
    expect(replies[1]!.body).toBe('Happy to help.');
    expect(replies[1]!.params['ContentSid']).toBeUndefined();
  });

  it('an SMS is unaffected by the window', async () => {
    const to = `+1415${suffix}03`;
    const acts = platform();
    await inActivity(() => acts.sendText({ to, accountSid: TEST_ACCOUNT_SID, body: 'Your order shipped.' }));
    const [sms] = await eventually('sms', () => {
      const sent = system.twilio.sentMessages({ to });
      return sent.length > 0 && sent;
    });
    expect(sms!.body).toBe('Your order shipped.');
    expect(sms!.params['ContentSid']).toBeUndefined();
    expect(await refusals(to)).toHaveLength(0);
  });
});
