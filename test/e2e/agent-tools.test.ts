import type { RecordedRequest } from '../../devstack/emulators/anthropic';
import { toolUseReply } from '../../devstack/emulators/anthropic';
import { EventLog } from '../../src/events/event-log';
import { IdentityStore } from '../../src/customers/identity-store';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { maybeRecordHistory } from '../harness/history-fixtures';
import { eventually, inboundSms, startTestSystem, TEST_ACCOUNT_SID, type TestSystem } from '../harness/system';

const ON_CALL = '+14155550911';

/** The tool results the model was given in this request (empty on the first round). */
function toolResults(request: RecordedRequest): string[] {
  const last = request.messages.at(-1);
  if (!last || typeof last.content === 'string') return [];
  return last.content
    .filter((b) => b.type === 'tool_result')
    .map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)));
}

// The agent's tools run as Temporal activities (or a durable timer) and their results flow back
// into the conversation, end to end through the real SDKs and stack.
describe('agent tools', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ ESCALATION_ON_CALL_NUMBER: ON_CALL });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function firstReplyTo(from: string) {
    const [reply] = await eventually(
      'reply',
      () => {
        const sent = system.twilio.sentMessages({ to: from });
        return sent.length > 0 && sent;
      },
      30_000,
    );
    return reply!;
  }

  it('looks up the customer profile through a tool activity and answers with what it found', async () => {
    const from = '+14155559501';
    system.anthropic.setResponder((request) => {
      const results = toolResults(request);
      if (results.length === 0)
        return toolUseReply('lookup_customer', { recentMessages: 5 }, { text: 'Let me check.' });
      return { blocks: [{ type: 'text', text: `Your profile: ${results[0]}` }] };
    });
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'What do you know about me?'));
    const reply = await firstReplyTo(from);
    expect(reply.body).toContain('phone:+14155559501');
    expect(reply.body).toContain('What do you know about me?');
    expect(system.anthropic.requests.at(-1)!.tools!.map((t) => t.name)).toEqual(
      expect.arrayContaining(['lookup_customer', 'escalate_to_human', 'schedule_follow_up']),
    );
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const history = await system.temporal.workflow.getHandle(customerWorkflowId(customerId)).fetchHistory();
    const activityTypes = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activityTypes).toContain('tool_lookup_customer');
  });

  it('escalates to a human by notifying the on-call number, once, and tells the customer', async () => {
    const from = '+14155559502';
    system.anthropic.setResponder((request) =>
      toolResults(request).length === 0
        ? toolUseReply('escalate_to_human', { reason: 'Customer is angry about a double charge', urgency: 'urgent' })
        : { blocks: [{ type: 'text', text: 'A colleague will contact you shortly.' }] },
    );
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'I was charged twice! I want a person NOW'));
    expect((await firstReplyTo(from)).body).toBe('A colleague will contact you shortly.');
    const pages = system.twilio.sentMessages({ to: ON_CALL });
    expect(pages).toHaveLength(1);
    expect(pages[0]!.body).toBe(
      '[URGENT] Customer +14155559502 needs a person: Customer is angry about a double charge',
    );
    const events = (await new EventLog(system.db).list({ type: 'escalation.requested' })).filter(
      (e) => e.data.reason === 'Customer is angry about a double charge',
    );
    expect(events).toHaveLength(1);
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    maybeRecordHistory(customerWorkflowId(customerId), 'customer-workflow');
  });

  it('schedules a follow-up that a durable timer sends later on the same channel', async () => {
    const from = 'whatsapp:+14155559503';
    system.anthropic.setResponder((request) =>
      toolResults(request).length === 0
        ? toolUseReply('schedule_follow_up', {
            delayMinutes: 0.03,
            message: 'Reminder: your appointment is tomorrow at 9.',
          })
        : { blocks: [{ type: 'text', text: 'I will remind you.' }] },
    );
    await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(from, 'Remind me about my appointment', { To: 'whatsapp:+15005550006' }),
    );
    expect((await firstReplyTo(from)).body).toBe('I will remind you.');
    const followUp = await eventually(
      'follow-up sent',
      () => system.twilio.sentMessages({ to: from }).find((m) => m.body.startsWith('Reminder:')),
      30_000,
    );
    expect(followUp.from).toBe('whatsapp:+15005550006');
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const children = [];
    for await (const w of system.temporal.workflow.list({
      query: `WorkflowType = "followUpWorkflow" AND WorkflowId STARTS_WITH "followup-${customerId}"`,
    }))
      children.push(w);
    expect(children).toHaveLength(1);
    maybeRecordHistory(customerWorkflowId(customerId), 'customer-workflow');
  });

  it('gives the model the error when a tool fails, and still answers', async () => {
    const from = '+14155559504';
    system.anthropic.setResponder((request) =>
      toolResults(request).length === 0
        ? toolUseReply('lookup_customer', { recentMessages: 'lots' })
        : { blocks: [{ type: 'text', text: `Sorry: ${toolResults(request)[0]}` }] },
    );
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'profile please'));
    expect((await firstReplyTo(from)).body).toContain('invalid input for lookup_customer');
  });
});
