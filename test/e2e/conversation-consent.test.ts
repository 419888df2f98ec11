import { MockActivityEnvironment } from '@temporalio/testing';
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { pendingQuery, customerWorkflowId } from '../../workflows/customer/contract';
import { rulesResponder } from '../../devstack/emulators/anthropic';
import { newSid, type EmulatedConversationMessage } from '../../devstack/emulators/twilio';
import type { WebhookParams } from '../../devstack/emulators/twilio/webhook-sender';
import { platformActivitiesOf } from '../harness/platform-activities';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const AGENT_IDENTITY = 'beluga-agent';
const REPLY = 'Happy to help.';

const phonePrefix = `+1415${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: every test gets its own numbers. */
function uniquePhone(): string {
  return `${phonePrefix}${String(++phoneCounter).padStart(4, '0')}`;
}

// Consent inside Twilio Conversations: an SMS/WhatsApp participant's STOP counts as on SMS, and no
// agent reply is posted into a Conversation that would reach an opted-out address.
describe('consent in Twilio Conversations', () => {
  let system: TestSystem;
  let events: EventLog;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    system = await startTestSystem();
    events = new EventLog(system.db);
    system.anthropic.setResponder(rulesResponder([{ when: /./, reply: REPLY }]));
  });
  afterAll(async () => {
    await system?.stop();
  });

  function messageAdded(conversationSid: string, author: string, body: string, extra: WebhookParams = {}) {
    return system.webhook('/twilio/conversations/events', {
      AccountSid: TEST_ACCOUNT_SID,
      EventType: 'onMessageAdded',
      ConversationSid: conversationSid,
      MessageSid: newSid('IM'),
      Author: author,
      Body: body,
      Index: '0',
      Source: author.startsWith('+') ? 'SMS' : 'SDK',
      DateCreated: new Date().toISOString(),
      ...extra,
    });
  }

  async function createConversation(): Promise<string> {
    const created = await system.api('POST', '/conversations', { friendlyName: unique('Support') });
    expect(created.status).toBe(201);
    return created.json.sid as string;
  }

  function agentMessages(conversationSid: string): EmulatedConversationMessage[] {
    return system.twilio.state.conversationMessages.filter(
      (m) => m.conversationSid === conversationSid && m.author === AGENT_IDENTITY,
    );
  }

  async function consentOf(address: string) {
    const response = await system.api('GET', `/consent/${encodeURIComponent(address)}?accountSid=${TEST_ACCOUNT_SID}`);
    expect(response.status).toBe(200);
    return response.json as { optedOut: boolean; history: Array<{ action: string; source: string }> };
  }

  const refusals = async (to: string) =>
    (await events.list({ type: 'consent.send_refused' }, 1000)).filter((e) => (e.data as { to?: string }).to === to);

  /** Waits until the address's customer workflow has handled `count` messages (answered, refused or a keyword). */
  async function handled(accountAddress: string, count: number): Promise<void> {
    const customerId = await eventually('the customer', () =>
      new IdentityStore(system.db).find(TEST_ACCOUNT_SID, accountAddress),
    );
    const handle = system.temporal.workflow.getHandle(customerWorkflowId(customerId));
    await eventually(
      `${count} messages handled`,
      async () => (await handle.query(pendingQuery)).processed >= count,
      30_000,
    );
  }

  it("an SMS participant's STOP in a Conversation opts the number out: no agent reply there, nor by SMS, until START", async () => {
    const conversationSid = await createConversation();
    const phone = uniquePhone();
    const stop = await messageAdded(conversationSid, phone, 'Stop');
    expect(stop.status).toBe(200);
    await eventually('opt-out stored', async () => (await consentOf(phone)).optedOut);
    await handled(phone, 1);
    // A keyword is not answered by the model.
    expect(agentMessages(conversationSid)).toEqual([]);

    // Writing again in the Conversation does not opt back in: the reply is refused with an event.
    await messageAdded(conversationSid, phone, 'Hello, anyone there?');
    await eventually('reply refused', async () => (await refusals(phone)).length > 0);
    await handled(phone, 2);
    expect((await refusals(phone))[0]!.data).toMatchObject({ kind: 'message', reason: 'opted_out' });
    expect(agentMessages(conversationSid)).toEqual([]);
    // The same opt-out covers SMS: it is the number's consent on this account.
    const acts = platformActivitiesOf(system);
    await expect(
      new MockActivityEnvironment({ attempt: 1 }).run(() =>
        acts.sendText({ to: phone, body: 'Our sale starts today!' }),
      ),
    ).rejects.toMatchObject({ type: 'OptedOut', nonRetryable: true });
    expect(system.twilio.sentMessages({ to: phone })).toEqual([]);

    // START in the Conversation opts back in; the next message is answered there again.
    await messageAdded(conversationSid, phone, 'START');
    await eventually('opt-in stored', async () => !(await consentOf(phone)).optedOut);
    await messageAdded(conversationSid, phone, 'What are your opening hours?');
    const [reply] = await eventually(
      'answered again',
      () => agentMessages(conversationSid).length > 0 && agentMessages(conversationSid),
    );
    expect(reply!.body).toBe(REPLY);
    expect((await consentOf(phone)).history.map((f) => f.action)).toEqual(['opt_out', 'opt_in']);
  });

  it('posts no agent reply into a Conversation where a participant with an SMS binding is opted out', async () => {
    const optedOut = uniquePhone();
    await system.webhook('/twilio/messaging/inbound', inboundSms(optedOut, 'STOP'));
    await eventually('opt-out stored', async () => (await consentOf(optedOut)).optedOut);

    const conversationSid = await createConversation();
    const added = await system.api('POST', `/conversations/${conversationSid}/participants`, {
      address: optedOut,
      proxyAddress: AGENT_NUMBER,
    });
    expect(added.status).toBe(201);
    // A chat participant asks: the answer would reach the opted-out number too.
    const author = unique('alice');
    await messageAdded(conversationSid, author, 'What are your opening hours?');
    await eventually('reply refused', async () => (await refusals(optedOut)).length > 0);
    await handled(`identity:${author}`, 1);
    expect(agentMessages(conversationSid)).toEqual([]);
    expect((await refusals(optedOut))[0]!.data).toMatchObject({ kind: 'message', reason: 'opted_out' });
    // Nothing was recorded as sent in the asker's history either.
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, `identity:${author}`))!;
    const listed = (await system.api('GET', `/customers/${customerId}/messages`)).json.messages as Array<{
      direction: string;
    }>;
    expect(listed.map((m) => m.direction)).toEqual(['inbound']);

    // Once that participant has left, the Conversation is answered again.
    const removed = await system.api(
      'DELETE',
      `/conversations/${conversationSid}/participants/${String(added.json.sid)}`,
    );
    expect(removed.status).toBe(200);
    await messageAdded(conversationSid, author, 'And on Sundays?');
    await eventually('answered', () => agentMessages(conversationSid).length > 0);
  });

  it("a chat participant's STOP or HELP is an ordinary message: answered, and nobody is opted out", async () => {
    const conversationSid = await createConversation();
    const author = unique('bob');
    await messageAdded(conversationSid, author, 'help');
    await eventually('help answered', () => agentMessages(conversationSid).length === 1);
    await messageAdded(conversationSid, author, 'STOP');
    await eventually('stop answered', () => agentMessages(conversationSid).length === 2);
    expect(await consentOf(`identity:${author}`)).toMatchObject({ optedOut: false, history: [] });
  });
});
