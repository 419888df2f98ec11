import { toolUseReply, type RecordedRequest } from '../../devstack/emulators/anthropic';
import { newSid } from '../../devstack/emulators/twilio';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';

const hasToolResult = (request: RecordedRequest) =>
  JSON.stringify(request.messages.at(-1)?.content ?? '').includes('tool_result');

// escalate_to_human from inside a Twilio Conversation: the configured human joins it; without one,
// the on-call number is paged by SMS from the account's number (a Conversation has no SMS sender).
const modes: Array<{ mode: string; env: Record<string, string> }> = [
  { mode: 'human participant', env: { ESCALATION_HUMAN_IDENTITY: 'support-human' } },
  { mode: 'on-call page', env: { ESCALATION_ON_CALL_NUMBER: '+14155550912' } },
];

describe.each(modes)('escalation inside a Conversation ($mode)', ({ env }) => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem(env);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('escalates and the agent still answers in the conversation', async () => {
    const created = await system.api('POST', '/conversations', { friendlyName: 'Billing' });
    const conversationSid = created.json.sid as string;
    system.anthropic.setResponder((request) =>
      hasToolResult(request)
        ? { blocks: [{ type: 'text', text: 'A colleague is joining.' }] }
        : toolUseReply('escalate_to_human', { reason: 'refund dispute' }),
    );
    const response = await system.webhook('/twilio/conversations/events', {
      AccountSid: TEST_ACCOUNT_SID,
      EventType: 'onMessageAdded',
      ConversationSid: conversationSid,
      MessageSid: newSid('IM'),
      // Customer workflow ids derive from the author; each test system needs its own customer.
      Author: `dana-${newSid('US').slice(2, 10)}`,
      Body: 'I want to talk to a person about my refund',
      Index: '0',
      Source: 'SDK',
    });
    expect(response.status).toBe(200);
    await eventually(
      'agent reply',
      () =>
        system.twilio.state.conversationMessages.some(
          (m) => m.conversationSid === conversationSid && m.body === 'A colleague is joining.',
        ),
      30_000,
    );
    if (env.ESCALATION_HUMAN_IDENTITY) {
      const humans = system.twilio.state.participants.filter(
        (p) => p.conversationSid === conversationSid && p.identity === 'support-human',
      );
      expect(humans).toHaveLength(1);
    } else {
      const pages = system.twilio.sentMessages({ to: '+14155550912' });
      expect(pages).toHaveLength(1);
      expect(pages[0]!.from).toBe(AGENT_NUMBER);
      expect(pages[0]!.body).toContain('refund dispute');
    }
  });
});
