import { WorkflowNotFoundError } from '@temporalio/client';
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { conversationEventWorkflowId } from '../../workflows/conversation-event/contract';
import { pendingQuery } from '../../workflows/customer/contract';
import { rulesResponder } from '../../devstack/emulators/anthropic';
import { newSid, signTwilioRequest, type EmulatedConversationMessage } from '../../devstack/emulators/twilio';
import type { WebhookParams } from '../../devstack/emulators/twilio/webhook-sender';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const EVENTS_PATH = '/twilio/conversations/events';
const AGENT_IDENTITY = 'beluga-agent';

// Twilio Conversations end to end: signed webhooks → gateway → Temporal → activities → the
// Conversations emulator, on the real Temporal server and FerretDB.
describe('Twilio Conversations', () => {
  let system: TestSystem;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;
  const phone = () => `+1415556${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;

  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  function conversationWebhook(eventType: string, fields: WebhookParams) {
    return system.webhook(EVENTS_PATH, { AccountSid: TEST_ACCOUNT_SID, EventType: eventType, ...fields });
  }

  function messageAdded(conversationSid: string, author: string, body: string, extra: WebhookParams = {}) {
    return conversationWebhook('onMessageAdded', {
      ConversationSid: conversationSid,
      MessageSid: newSid('IM'),
      Author: author,
      Body: body,
      Index: '0',
      Source: 'SDK',
      DateCreated: new Date().toISOString(),
      ...extra,
    });
  }

  async function createConversation(friendlyName = unique('Support')): Promise<string> {
    const created = await system.api('POST', '/conversations', { friendlyName });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ friendlyName, state: 'active', accountSid: TEST_ACCOUNT_SID });
    return created.json.sid as string;
  }

  function agentMessages(conversationSid: string): EmulatedConversationMessage[] {
    return system.twilio.state.conversationMessages.filter(
      (m) => m.conversationSid === conversationSid && m.author === AGENT_IDENTITY,
    );
  }

  async function eventsOf(type: string, match: Record<string, unknown>) {
    return (await new EventLog(system.db).list({ type }, 1000)).filter((e) =>
      Object.entries(match).every(([k, v]) => e.data[k] === v),
    );
  }

  async function eventWorkflowRuns(eventId: string): Promise<number> {
    return (await system.temporal.workflow.count(`WorkflowId = '${conversationEventWorkflowId({ id: eventId })}'`))
      .count;
  }

  it('answers a chat participant with a model reply posted in the same conversation by the agent identity', async () => {
    const conversationSid = await createConversation();
    expect(system.twilio.state.conversations.find((c) => c.sid === conversationSid)).toBeDefined();
    const author = unique('alice');
    system.anthropic.setResponder(rulesResponder([{ when: /opening hours/, reply: 'We are open 9 to 5, Alice.' }]));

    const response = await messageAdded(conversationSid, author, 'What are your opening hours?');
    expect(response.status).toBe(200);
    expect(response.body).toBe('');

    const [reply] = await eventually(
      'agent reply in the conversation',
      () => agentMessages(conversationSid).length > 0 && agentMessages(conversationSid),
    );
    expect(reply!.body).toBe('We are open 9 to 5, Alice.');
    // Posted without X-Twilio-Webhook-Enabled (no loop), marked as ours in its attributes.
    expect(reply!.webhookEnabled).toBe(false);
    expect(JSON.parse(reply!.attributes)).toHaveProperty('belugaReply');
    expect(
      system.twilio
        .requestsMatching({ method: 'POST', path: '/Messages.json' })
        .filter((r) => r.params.Body === 'We are open 9 to 5, Alice.'),
    ).toHaveLength(0);

    // The chat identity is a customer of its own, with the exchange in its history on this channel.
    const customerId = await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, `identity:${author}`);
    expect(customerId).toBeDefined();
    type Listed = Array<{ direction: string; channel: string; body: string; twilioSid?: string }>;
    // The reply is marked with Twilio's sid just after Twilio accepted it: wait for that write.
    const messages = await eventually('the reply marked as sent', async () => {
      const listed = (await system.api('GET', `/customers/${customerId}/messages`)).json.messages as Listed;
      return listed[1]?.twilioSid ? listed : undefined;
    });
    expect(messages.map((m) => [m.direction, m.channel, m.body])).toEqual([
      ['inbound', 'conversations', 'What are your opening hours?'],
      ['outbound', 'conversations', 'We are open 9 to 5, Alice.'],
    ]);
    expect(messages[1]!.twilioSid).toBe(reply!.sid);
    system.anthropic.setResponder(undefined);
  });

  it("does not answer the agent's own onMessageAdded echo", async () => {
    const conversationSid = await createConversation();
    const author = unique('bob');
    await messageAdded(conversationSid, author, 'first question');
    const [reply] = await eventually(
      'first reply',
      () => agentMessages(conversationSid).length === 1 && agentMessages(conversationSid),
    );

    // Twilio echoes our post if webhooks fire for it: once by the agent's author name, once after a
    // rename (only our attributes marker identifies it then).
    const echoByAuthor = await messageAdded(conversationSid, AGENT_IDENTITY, reply!.body!, {
      MessageSid: reply!.sid,
      Source: 'API',
      Attributes: reply!.attributes,
    });
    const echoByMarker = await messageAdded(conversationSid, 'renamed-agent', reply!.body!, {
      MessageSid: newSid('IM'),
      Source: 'API',
      Attributes: reply!.attributes,
    });
    expect([echoByAuthor.status, echoByMarker.status]).toEqual([200, 200]);

    // Messages are answered in arrival order: had an echo been queued, its reply would come first.
    await messageAdded(conversationSid, author, 'second question');
    await eventually('second reply', () => agentMessages(conversationSid).length >= 2);
    expect(agentMessages(conversationSid).map((m) => m.body)).toEqual([
      'You said: first question',
      'You said: second question',
    ]);
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, `identity:${author}`))!;
    const handle = system.temporal.workflow.getHandle(customerWorkflowId(customerId));
    await eventually('both answers finished', async () => (await handle.query(pendingQuery)).processed >= 2);
    expect(await handle.query(pendingQuery)).toEqual({ queued: 0, processed: 2 });
    expect(await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, `identity:${AGENT_IDENTITY}`)).toBeUndefined();
    expect(await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, 'identity:renamed-agent')).toBeUndefined();
  });

  it('answers pre-events with an empty 200 and starts nothing', async () => {
    const conversationSid = await createConversation();
    const author = unique('carol');
    const before = system.anthropic.requests.length;
    const started = Date.now();
    const preMessage = await conversationWebhook('onMessageAdd', {
      ConversationSid: conversationSid,
      Author: author,
      Body: 'pre-event body',
      Source: 'SDK',
    });
    const participantSid = newSid('MB');
    const preParticipant = await conversationWebhook('onParticipantAdd', {
      ConversationSid: conversationSid,
      Identity: author,
      Source: 'SDK',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect([preMessage.status, preMessage.body, preParticipant.status, preParticipant.body]).toEqual([
      200,
      '',
      200,
      '',
    ]);

    await new Promise((r) => setTimeout(r, 1000));
    expect(await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, `identity:${author}`)).toBeUndefined();
    expect(
      system.anthropic.requests.slice(before).some((r) => JSON.stringify(r.messages).includes('pre-event body')),
    ).toBe(false);
    expect(agentMessages(conversationSid)).toHaveLength(0);
    await expect(
      system.temporal.workflow
        .getHandle(conversationEventWorkflowId({ id: `participant.added:${participantSid}` }))
        .describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await eventsOf('participant.added', { conversationSid })).toHaveLength(0);
  });

  it('adds and removes participants through the operator API; their webhooks are recorded once even when delivered twice', async () => {
    const conversationSid = await createConversation();
    const identity = unique('jane');
    const address = phone();

    const chat = await system.api('POST', `/conversations/${conversationSid}/participants`, { identity });
    expect(chat.status).toBe(201);
    expect(chat.json).toMatchObject({ conversationSid, identity, channel: 'chat' });
    const sms = await system.api('POST', `/conversations/${conversationSid}/participants`, {
      address,
      proxyAddress: AGENT_NUMBER,
    });
    expect(sms.status).toBe(201);
    expect(sms.json).toMatchObject({ conversationSid, address, proxyAddress: AGENT_NUMBER, channel: 'sms' });
    const chatSid = chat.json.sid as string;
    const smsSid = sms.json.sid as string;

    const inEmulator = () => system.twilio.state.participants.filter((p) => p.conversationSid === conversationSid);
    expect(
      inEmulator()
        .map((p) => p.sid)
        .sort(),
    ).toEqual([chatSid, smsSid].sort());
    expect(inEmulator().find((p) => p.sid === smsSid)!.messagingBinding).toEqual({
      type: 'sms',
      address,
      proxyAddress: AGENT_NUMBER,
    });
    // Our own lifecycle changes ask Twilio for the post-event webhooks.
    const creates = system.twilio.requestsMatching({
      method: 'POST',
      path: `/Conversations/${conversationSid}/Participants`,
    });
    expect(creates.map((r) => r.headers['x-twilio-webhook-enabled'])).toEqual(['true', 'true']);

    // Twilio delivers onParticipantAdded, twice at once for the chat participant and once more later.
    const added = (sid: string, fields: WebhookParams) =>
      conversationWebhook('onParticipantAdded', {
        ConversationSid: conversationSid,
        ParticipantSid: sid,
        Source: 'API',
        DateCreated: new Date().toISOString(),
        ...fields,
      });
    const chatAdded = { Identity: identity, 'MessagingBinding.Type': 'CHAT' };
    const statuses = await Promise.all([
      added(chatSid, chatAdded),
      added(chatSid, chatAdded),
      added(smsSid, {
        'MessagingBinding.Address': address,
        'MessagingBinding.ProxyAddress': AGENT_NUMBER,
        'MessagingBinding.Type': 'SMS',
      }),
    ]);
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
    await eventually(
      'participant.added events',
      async () => (await eventsOf('participant.added', { conversationSid })).length === 2,
    );
    expect((await added(chatSid, chatAdded)).status).toBe(200);
    // Both event workflows finished: the record has both facts (it is written after the event log).
    for (const sid of [chatSid, smsSid])
      await system.temporal.workflow
        .getHandle(conversationEventWorkflowId({ id: `participant.added:${sid}` }))
        .result();
    expect(await eventsOf('participant.added', { participantSid: chatSid })).toHaveLength(1);
    expect((await eventsOf('participant.added', { participantSid: smsSid }))[0]!.data).toMatchObject({
      address,
      proxyAddress: AGENT_NUMBER,
      channel: 'sms',
    });
    // One workflow run however often Twilio delivered it (REJECT_DUPLICATE on an id from Twilio's sid).
    await eventually(
      'visibility of the event workflow',
      async () => (await eventWorkflowRuns(`participant.added:${chatSid}`)) >= 1,
    );
    expect(await eventWorkflowRuns(`participant.added:${chatSid}`)).toBe(1);

    const record = await system.api('GET', `/conversations/${conversationSid}`);
    expect(record.status).toBe(200);
    expect((record.json.participants as Array<{ sid: string }>).map((p) => p.sid).sort()).toEqual(
      [chatSid, smsSid].sort(),
    );
    expect((record.json.events as Array<{ type: string }>).filter((e) => e.type === 'participant.added')).toHaveLength(
      2,
    );

    const removed = await system.api('DELETE', `/conversations/${conversationSid}/participants/${chatSid}`);
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({ conversationSid, participantSid: chatSid, removed: true });
    expect(inEmulator().map((p) => p.sid)).toEqual([smsSid]);

    const removedHook = () =>
      conversationWebhook('onParticipantRemoved', {
        ConversationSid: conversationSid,
        ParticipantSid: chatSid,
        Identity: identity,
        Source: 'API',
      });
    expect((await Promise.all([removedHook(), removedHook()])).map((r) => r.status)).toEqual([200, 200]);
    await system.temporal.workflow
      .getHandle(conversationEventWorkflowId({ id: `participant.removed:${chatSid}` }))
      .result();
    expect(await eventsOf('participant.removed', { participantSid: chatSid })).toHaveLength(1);

    // A late redelivery of the add does not bring the removed participant back.
    expect((await added(chatSid, chatAdded)).status).toBe(200);
    const after = await system.api('GET', `/conversations/${conversationSid}`);
    expect((after.json.participants as Array<{ sid: string }>).map((p) => p.sid)).toEqual([smsSid]);
    expect(
      (after.json.events as Array<{ type: string }>)
        .map((e) => e.type)
        .filter((t) => t.startsWith('participant.'))
        .sort(),
    ).toEqual(['participant.added', 'participant.added', 'participant.removed']);
  });

  it('validates participant requests and passes on Twilio refusals with their code', async () => {
    const conversationSid = await createConversation();
    const neither = await system.api('POST', `/conversations/${conversationSid}/participants`, {});
    expect(neither.status).toBe(400);
    expect(JSON.stringify(neither.json)).toContain('address');
    const mixed = await system.api('POST', `/conversations/${conversationSid}/participants`, {
      address: phone(),
      proxyAddress: `whatsapp:${AGENT_NUMBER}`,
    });
    expect(mixed.status).toBe(400);
    expect(JSON.stringify(mixed.json)).toContain('proxyAddress');

    const identity = unique('dave');
    expect((await system.api('POST', `/conversations/${conversationSid}/participants`, { identity })).status).toBe(201);
    const again = await system.api('POST', `/conversations/${conversationSid}/participants`, { identity });
    expect(again.status).toBe(409);
    expect(again.json.twilioCode).toBe(50433);

    const missing = await system.api('POST', `/conversations/CH${'0'.repeat(32)}/participants`, { identity });
    expect(missing.status).toBe(404);
    expect(missing.json.twilioCode).toBe(20404);
  });

  it('closes a conversation through the operator API, once, and keeps it closed against stale reports', async () => {
    const conversationSid = await createConversation('Billing question');
    const closed = await system.api('POST', `/conversations/${conversationSid}/close`);
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ sid: conversationSid, state: 'closed' });
    expect(system.twilio.state.conversations.find((c) => c.sid === conversationSid)!.state).toBe('closed');

    // A repeated request returns the completed operation's result without touching Twilio again.
    expect((await system.api('POST', `/conversations/${conversationSid}/close`)).status).toBe(200);
    expect(
      system.twilio.requestsMatching({ method: 'POST', path: new RegExp(`/Conversations/${conversationSid}$`) }),
    ).toHaveLength(1);

    const stateUpdated = await conversationWebhook('onConversationStateUpdated', {
      ConversationSid: conversationSid,
      StateFrom: 'active',
      StateTo: 'closed',
      StateUpdated: new Date().toISOString(),
      Reason: 'API',
      Source: 'API',
    });
    expect(stateUpdated.status).toBe(200);
    // An update reported late, from before the close.
    const stale = await conversationWebhook('onConversationUpdated', {
      ConversationSid: conversationSid,
      State: 'active',
      FriendlyName: 'Renamed',
      DateUpdated: new Date(Date.now() - 60_000).toISOString(),
      Source: 'API',
    });
    expect(stale.status).toBe(200);
    await eventually(
      'conversation.closed event',
      async () => (await eventsOf('conversation.closed', { conversationSid })).length === 1,
    );
    await eventually(
      'conversation.updated event',
      async () => (await eventsOf('conversation.updated', { conversationSid })).length === 1,
    );

    // The activity writes the event log before the conversation record: wait for the record too.
    const record = await eventually('both facts in the record', async () => {
      const fetched = await system.api('GET', `/conversations/${conversationSid}`);
      return ((fetched.json.events as Array<unknown> | undefined) ?? []).length >= 2 && fetched;
    });
    // Neither the state nor the name of the stale report overwrote the newer ones.
    expect(record.json).toMatchObject({
      sid: conversationSid,
      state: 'closed',
      friendlyName: 'Billing question',
      removed: false,
    });
    expect((record.json.events as Array<{ type: string }>).map((e) => e.type).sort()).toEqual([
      'conversation.closed',
      'conversation.updated',
    ]);
  });

  it('records onDeliveryUpdated failed with its ErrorCode as message.failed', async () => {
    const conversationSid = await createConversation();
    const messageSid = newSid('IM');
    const receipt = (status: string, extra: WebhookParams = {}) =>
      conversationWebhook('onDeliveryUpdated', {
        ConversationSid: conversationSid,
        MessageSid: messageSid,
        DeliveryReceiptSid: newSid('DY'),
        ChannelMessageSid: newSid('SM'),
        ParticipantSid: newSid('MB'),
        Status: status,
        DateUpdated: new Date().toISOString(),
        ...extra,
      });
    expect((await receipt('delivered', { ErrorCode: '0' })).status).toBe(200);
    expect((await receipt('failed', { ErrorCode: '30008' })).status).toBe(200);

    const [failure] = await eventually('message.failed event', async () => {
      const found = await eventsOf('message.failed', { messageSid });
      return found.length > 0 && found;
    });
    expect(failure!.data).toMatchObject({ conversationSid, messageSid, status: 'failed', errorCode: 30008 });
    expect(failure!.accountSid).toBe(TEST_ACCOUNT_SID);
    const [delivered] = await eventually('message.delivered event', async () => {
      const found = await eventsOf('message.delivered', { messageSid });
      return found.length > 0 && found;
    });
    expect(delivered!.data).not.toHaveProperty('errorCode');

    // The conversation record keeps what needs attention; every receipt is in the event log.
    const record = await eventually('the failure in the record', async () => {
      const fetched = await system.api('GET', `/conversations/${conversationSid}`);
      return ((fetched.json.events as Array<unknown> | undefined) ?? []).length > 0 && fetched;
    });
    expect(
      (record.json.events as Array<{ type: string; data: Record<string, unknown> }>).map((e) => [
        e.type,
        e.data.errorCode,
      ]),
    ).toEqual([['message.failed', 30008]]);
  });

  it('treats an SMS customer who then writes in a Conversation from the same phone as the same customer', async () => {
    const from = phone();
    system.anthropic.setResponder(rulesResponder([{ when: /my name is/i, reply: 'Nice to meet you, Ada.' }]));
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Hi, my name is Ada'));
    await eventually('SMS reply', () => system.twilio.sentMessages({ to: from }).length === 1);

    const conversationSid = await createConversation();
    await messageAdded(conversationSid, from, 'What is my name?', { Source: 'SMS' });
    const [reply] = await eventually(
      'reply in the conversation',
      () => agentMessages(conversationSid).length > 0 && agentMessages(conversationSid),
    );
    expect(reply!.body).toBe('You said: What is my name?');
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(1);

    const last = system.anthropic.requests
      .filter((r) => JSON.stringify(r.messages).includes('What is my name?'))
      .at(-1)!;
    expect(last.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(last.messages)).toContain('Hi, my name is Ada');
    expect(JSON.stringify(last.messages)).toContain('Nice to meet you, Ada.');
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, from))!;
    // One customer workflow answered both, the SMS and the Conversations message.
    const handle = system.temporal.workflow.getHandle(customerWorkflowId(customerId));
    await eventually('both answers finished', async () => (await handle.query(pendingQuery)).processed >= 2);
    expect(await handle.query(pendingQuery)).toEqual({ queued: 0, processed: 2 });
    system.anthropic.setResponder(undefined);
  });

  it('rejects garbage with a 400 naming the field, and unsigned webhooks with 403', async () => {
    const noConversation = await conversationWebhook('onMessageAdded', {
      MessageSid: newSid('IM'),
      Author: 'x',
      Body: 'hi',
    });
    expect(noConversation.status).toBe(400);
    expect(noConversation.body).toContain('ConversationSid');
    const unknown = await conversationWebhook('onSomethingOdd', { ConversationSid: newSid('CH') });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('EventType');
    const badStatus = await conversationWebhook('onDeliveryUpdated', {
      ConversationSid: newSid('CH'),
      MessageSid: newSid('IM'),
      DeliveryReceiptSid: newSid('DY'),
      Status: 'teleported',
    });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toContain('Status');
    const badMedia = await conversationWebhook('onMessageAdded', {
      ConversationSid: newSid('CH'),
      MessageSid: newSid('IM'),
      Author: 'x',
      Media: '{not json',
    });
    expect(badMedia.status).toBe(400);
    expect(badMedia.body).toContain('Media');

    const params = {
      AccountSid: TEST_ACCOUNT_SID,
      EventType: 'onMessageAdded',
      ConversationSid: newSid('CH'),
      MessageSid: newSid('IM'),
      Author: 'mallory',
      Body: 'forged',
    };
    const forged = await system.webhook(EVENTS_PATH, params, {
      'X-Twilio-Signature': signTwilioRequest('wrong-token', `${PUBLIC_URL}${EVENTS_PATH}`, params),
    });
    expect(forged.status).toBe(403);
    expect(await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, 'identity:mallory')).toBeUndefined();
  });
});
