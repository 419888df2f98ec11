import { IdentityStore } from '../../src/customers/identity-store';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { conversationText, lastUserText } from '../../devstack/emulators/anthropic';
import { eventually, inboundSms, startTestSystem, TEST_ACCOUNT_SID, type TestSystem } from '../harness/system';

// A long conversation outgrows its history budget: older messages are folded into a summary by
// an activity, the workflow continues as new, and a fact from the very first message still
// reaches the model afterwards — through the summary, not the raw history.
describe('long conversations', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      MESSAGING_HISTORY_BUDGET: '6',
      MESSAGING_KEEP_RECENT: '2',
      MESSAGING_MAX_MESSAGES_PER_RUN: '4',
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('summarizes, continues as new, and still uses a fact from the first message', async () => {
    const from = '+14155559301';
    const isSummary = (system: unknown) => typeof system === 'string' && system.includes('long-term memory');
    system.anthropic.setResponder((request) => {
      if (!isSummary(request.system)) return { blocks: [{ type: 'text', text: `ok: ${lastUserText(request)}` }] };
      // Stands in for the model's summarization: keeps the facts it is shown, as instructed.
      const text = conversationText(request);
      const facts = [/name is (\w+)/.exec(text)?.[0], /order is (\d+)/.exec(text)?.[0]].filter(Boolean);
      return { blocks: [{ type: 'text', text: `Customer facts: ${facts.join('; ')}` }] };
    });
    const bodies = [
      'Hi, my name is Zed and my order is 7731',
      ...Array.from({ length: 8 }, (_, i) => `small talk ${i + 1}`),
    ];
    for (const [i, body] of bodies.entries()) {
      await system.webhook('/twilio/messaging/inbound', inboundSms(from, body));
      await eventually(`reply ${i + 1}`, () => system.twilio.sentMessages({ to: from }).length === i + 1, 30_000);
    }
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'What was my order number again?'));
    await eventually('last reply', () => system.twilio.sentMessages({ to: from }).length === bodies.length + 1, 30_000);

    const summaries = system.anthropic.requests.filter((r) => isSummary(r.system));
    expect(summaries.length).toBeGreaterThan(0);
    expect(conversationText(summaries[0]!)).toContain('my name is Zed and my order is 7731');

    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    expect((await new CustomerMemoryStore(system.db).get(customerId))!.summary).toContain('order is 7731');

    const last = system.anthropic.requests
      .filter((r) => !isSummary(r.system) && lastUserText(r) === 'What was my order number again?')
      .at(-1)!;
    expect(JSON.stringify(last.messages)).not.toContain('my order is 7731');
    expect(last.system).toContain('order is 7731');
    expect(last.system).toContain('name is Zed');
    expect(last.messages.length).toBeLessThanOrEqual(6);

    const runs = [];
    for await (const run of system.temporal.workflow.list({
      query: `WorkflowId = "${customerWorkflowId(customerId)}"`,
    }))
      runs.push(run);
    expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
