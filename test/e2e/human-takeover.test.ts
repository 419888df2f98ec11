import { toolUseReply, type RecordedRequest } from '../../devstack/emulators/anthropic';
import type {
  CustomerDetail,
  CustomerHistory,
  CustomerSummary,
  HistoryItem,
  TakeoverView,
} from '../../src/gateway/api-types';
import { IdentityStore } from '../../src/customers/identity-store';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { maybeRecordHistory } from '../harness/history-fixtures';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const ON_CALL = '+15550230911';

const hasToolResult = (request: RecordedRequest) =>
  JSON.stringify(request.messages.at(-1)?.content ?? '').includes('tool_result');

/** Whether a model request is about this customer's conversation (the emulator serves every test). */
const mentions = (request: RecordedRequest, text: string) => JSON.stringify(request.messages).includes(text);

// An operator pauses the agent for a customer, replies as the business over SMS and hands back, on the
// real stack (gateway, Temporal, FerretDB, Twilio and Anthropic emulators); an escalation queues the
// conversation for a person.
describe('human takeover', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ ESCALATION_ON_CALL_NUMBER: ON_CALL });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const takeoverOf = async (customerId: string) =>
    (await system.api('GET', `/customers/${customerId}/takeover`)).json as unknown as TakeoverView;

  async function customerOf(from: string): Promise<string> {
    return eventually('customer', () => new IdentityStore(system.db).find(TEST_ACCOUNT_SID, from));
  }

  it('holds the agent while paused (also across a worker restart), sends the person reply, and hands back with it as context', async () => {
    const from = '+15550230101';
    system.anthropic.setResponder(undefined);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Hi, I ordered a lamp'));
    await eventually('first agent reply', () => system.twilio.sentMessages({ to: from }).length === 1, 30_000);
    const customerId = await customerOf(from);

    const paused = await system.api('POST', `/customers/${customerId}/takeover`, { reason: 'lamp complaint' });
    expect(paused.status).toBe(202);
    await eventually('paused', async () => (await takeoverOf(customerId)).state === 'human');
    const asked = system.anthropic.requests.length;

    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Where is my lamp?'));
    await eventually('held', async () => (await takeoverOf(customerId)).unanswered === 1, 30_000);
    // Temporal keeps the pause: the restarted worker replays the workflow still paused.
    await system.stopWorker();
    await system.startWorker();
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Hello??'));
    await eventually('held after restart', async () => (await takeoverOf(customerId)).unanswered === 2, 30_000);
    expect(system.anthropic.requests.length).toBe(asked);
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(1);
    expect(await takeoverOf(customerId)).toMatchObject({
      customerId,
      accountSid: TEST_ACCOUNT_SID,
      state: 'human',
      origin: 'operator',
      reason: 'lamp complaint',
      operatorId: 'root',
      channel: 'sms',
      customerAddress: from,
      businessAddress: AGENT_NUMBER,
    });

    const text = 'Sorry about that! Your lamp ships tomorrow, tracking follows.';
    const replied = await system.api('POST', `/customers/${customerId}/replies`, { text });
    expect(replied.status).toBe(202);
    expect(replied.json.replyId).toMatch(/^hr_/);
    const sent = await eventually('the person reply at Twilio', () =>
      system.twilio.sentMessages({ to: from }).find((m) => m.body === text),
    );
    expect(sent.from).toBe(AGENT_NUMBER);
    await eventually('reply recorded', async () => (await takeoverOf(customerId)).lastReply?.status === 'sent');
    expect((await takeoverOf(customerId)).unanswered).toBe(0);
    expect(system.anthropic.requests.length).toBe(asked);

    const history = (await system.api('GET', `/customers/${customerId}/history`)).json as unknown as CustomerHistory;
    const messages = history.items.filter((i): i is Extract<HistoryItem, { kind: 'message' }> => i.kind === 'message');
    expect(messages.map((m) => [m.author, m.body])).toEqual([
      ['human', text],
      ['customer', 'Hello??'],
      ['customer', 'Where is my lamp?'],
      ['agent', expect.any(String)],
      ['customer', 'Hi, I ordered a lamp'],
    ]);
    expect(messages[0]).toMatchObject({ operatorName: 'operator API key', direction: 'outbound', from: AGENT_NUMBER });

    expect((await system.api('DELETE', `/customers/${customerId}/takeover`)).status).toBe(202);
    await eventually('handed back', async () => (await takeoverOf(customerId)).state === 'agent');
    // The person answered everything: the agent waits for the next message.
    expect(system.anthropic.requests.length).toBe(asked);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Great, thanks. Can I change the colour?'));
    await eventually('agent answers again', () => system.twilio.sentMessages({ to: from }).length === 3, 30_000);
    const request = system.anthropic.requests.at(-1)!;
    expect(mentions(request, `(sent by operator API key, a human colleague) ${text}`)).toBe(true);
    expect(JSON.stringify(request.system)).toContain('a human colleague');
    maybeRecordHistory(customerWorkflowId(customerId), 'customer-workflow');
  }, 150_000);

  it('escalation puts the conversation in the waiting queue, pages on call, and the reply says a person will answer', async () => {
    const from = '+15550230102';
    const opening = 'I want to speak to a human about my refund';
    system.anthropic.setResponder((request) => {
      if (!mentions(request, opening)) return { blocks: [{ type: 'text', text: 'Hello.' }] };
      if (!hasToolResult(request)) return toolUseReply('escalate_to_human', { reason: 'refund dispute' });
      // The tool result told the model what to say.
      const told = JSON.stringify(request.messages.at(-1)?.content).includes('a person will answer them here shortly');
      return { blocks: [{ type: 'text', text: told ? 'A person will answer you here shortly.' : 'Hm.' }] };
    });
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, opening));
    const reply = await eventually('reply', () => system.twilio.sentMessages({ to: from })[0], 30_000);
    expect(reply.body).toBe('A person will answer you here shortly.');
    const customerId = await customerOf(from);
    const waiting = await eventually('in the waiting queue', async () => {
      const list = (await system.api('GET', '/takeovers?state=waiting')).json.takeovers as TakeoverView[];
      return list.find((t) => t.customerId === customerId);
    });
    expect(waiting).toMatchObject({ state: 'waiting', origin: 'escalation', reason: 'refund dispute' });
    expect(system.twilio.sentMessages({ to: ON_CALL })).toHaveLength(1);
    const people = (await system.api('GET', '/takeovers?state=human')).json.takeovers as TakeoverView[];
    expect(people.map((t) => t.customerId)).not.toContain(customerId);

    // Paused after the escalation: the next message waits for the person.
    const asked = system.anthropic.requests.length;
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'hello?'));
    await eventually('held', async () => (await takeoverOf(customerId)).unanswered === 1, 30_000);
    expect(system.anthropic.requests.length).toBe(asked);

    const detail = (await system.api('GET', `/customers/${customerId}`)).json as unknown as CustomerDetail;
    expect(detail).toMatchObject({
      customerId,
      accountSid: TEST_ACCOUNT_SID,
      addresses: [`phone:${from}`],
      consent: [{ address: `phone:${from}`, optedOut: false }],
      takeover: { state: 'waiting', unanswered: 1 },
    });
    const list = (await system.api('GET', `/customers?q=${encodeURIComponent('0230102')}`)).json as {
      customers: CustomerSummary[];
    };
    expect(list.customers).toEqual([
      expect.objectContaining({ customerId, takeover: 'waiting', lastChannel: 'sms', addresses: [`phone:${from}`] }),
    ]);
    maybeRecordHistory(customerWorkflowId(customerId), 'customer-workflow');
  }, 120_000);

  it('lists customers by latest activity with a cursor, and answers 404 for an unknown customer', async () => {
    const all = (await system.api('GET', '/customers?limit=1')).json as {
      customers: CustomerSummary[];
      nextCursor?: string;
    };
    expect(all.customers).toHaveLength(1);
    expect(all.nextCursor).toBeDefined();
    const next = (await system.api('GET', `/customers?limit=1&cursor=${all.nextCursor!}`)).json as {
      customers: CustomerSummary[];
    };
    expect(next.customers).toHaveLength(1);
    expect(next.customers[0]!.customerId).not.toBe(all.customers[0]!.customerId);
    expect(next.customers[0]!.lastActivityAt! <= all.customers[0]!.lastActivityAt!).toBe(true);
    expect((await system.api('GET', '/customers?cursor=garbage')).status).toBe(400);
    for (const [method, path] of [
      ['GET', '/customers/cus_nobody/takeover'],
      ['POST', '/customers/cus_nobody/takeover'],
      ['DELETE', '/customers/cus_nobody/takeover'],
      ['GET', '/customers/cus_nobody/history'],
    ] as const)
      expect((await system.api(method, path)).status).toBe(404);
    const empty = await system.api('POST', '/customers/cus_nobody/replies', { text: '' });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.json)).toContain('text');
  }, 60_000);
});
