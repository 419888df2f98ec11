import { MediaServer } from '../../devstack/emulators/media-server';
import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { IdentityStore } from '../../src/customers/identity-store';
import type { SearchQuery } from '../../src/knowledge/types';
import { MessageStore } from '../../src/memory/message-store';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { CustomerRecords } from '../../src/customers/customer-records';
import { AgentModels } from '../../src/agents/agent-models';
import { defaultAgentModel } from '../../src/agents/default-agent';
import { CallStore } from '../../src/voice/call-store';
import { createConversationIndexActivities } from '../../activities/conversation-index';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { maybeRecordHistory } from '../harness/history-fixtures';
import { png1x1 } from '../media/fixtures';
import {
  SECOND_ACCOUNT_SID,
  SECOND_AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  messageSid,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { platformActivitiesOf } from '../harness/platform-activities';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

// Conversations become knowledge: a call's transcript is found afterwards by what it meant, an SMS
// exchange by the customer's own search, an image by the model's description of it (asked once);
// nobody else's history is ever returned, and forgetting the customer removes it all.
const prefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

const GREETING = 'Hello, you are through to Beluga support.';
const LEAK = 'My washing machine is leaking water all over the kitchen floor.';
const LEAK_ANSWER = 'I am sorry about that. A technician will come on Tuesday morning.';
const CAPTION = 'A cracked smartphone screen with the serial number QX-7731 on a sticker.';
const CAPTION_SYSTEM = /for a search index/;

/** The model: image descriptions, the call's answer, and a plain echo for texts. */
function model(request: RecordedRequest) {
  const system = typeof request.system === 'string' ? request.system : JSON.stringify(request.system ?? '');
  if (CAPTION_SYSTEM.test(system)) return textReply(CAPTION);
  const said = lastUserText(request);
  if (/washing machine/i.test(said)) return textReply(LEAK_ANSWER);
  if (/delivery address/i.test(said)) return textReply('Done: your parcel now goes to 12 Harbour Street.');
  return textReply('Okay.');
}

describe('conversations in knowledge search', () => {
  let system: TestSystem;
  const media = new MediaServer();

  beforeAll(async () => {
    await media.start();
    system = await startTestSystem(
      { VOICE_GREETING: GREETING },
      { voice: true, embeddings: true, secondAccount: true },
    );
    system.tts.setTiming({ msPerChar: 15 });
    system.anthropic.setResponder(model);
  });
  afterAll(async () => {
    await system?.stop();
    await media.stop();
  });

  const search = (query: Omit<SearchQuery, 'scope'> & { scope?: Partial<SearchQuery['scope']> }) =>
    system.knowledge.search({ ...query, scope: { accountSid: TEST_ACCOUNT_SID, ...query.scope } });
  const customerOf = (accountSid: string, address: string) =>
    eventually(`the customer of ${address}`, () => new IdentityStore(system.db).find(accountSid, address));

  async function text(from: string, body: string, extra: Parameters<typeof inboundSms>[2] = {}) {
    const before = system.twilio.sentMessages({ to: from }).length;
    expect((await system.webhook('/twilio/messaging/inbound', inboundSms(from, body, extra))).status).toBe(200);
    await eventually('the reply', () => system.twilio.sentMessages({ to: from }).length > before, 30_000);
  }

  let callCustomer = '';
  let callSid = '';
  const sms = { customer: '', other: '', foreign: '' };

  it('indexes a call transcript when the call ends: found by a paraphrase that shares no word with it', async () => {
    const remote = uniquePhone();
    system.stt.script([LEAK]);
    const live = await connectCall(system, { remote });
    callSid = live.callSid;
    await agentTurn(system, callSid, 0);
    await live.caller.say({ durationMs: 1200, seed: 1 });
    await agentTurn(system, callSid, 1);
    await live.caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '9', SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    maybeRecordHistory(callWorkflowId(callSid), 'call-workflow');
    callCustomer = await customerOf(TEST_ACCOUNT_SID, remote);

    // "Laundry appliance flooding" shares no word with what was said: words alone find nothing...
    const paraphrase = 'laundry appliance flooding';
    const scope = { customerIds: [callCustomer] };
    expect((await search({ text: paraphrase, scope, mode: 'lexical' })).hits).toEqual([]);
    // ...meaning finds the caller's turn (or the agent's answer to it, which carries it as context).
    const found = await eventually('the call found by meaning', async () => {
      const result = await search({ text: paraphrase, scope, limit: 3 });
      return result.hits.length > 0 && result;
    });
    expect(found.mode).toBe('hybrid');
    const top = found.hits[0]!.chunk;
    expect(top.source).toMatchObject({ kind: 'call', callSid, turnId: '1' });
    expect(top).toMatchObject({ customerId: callCustomer, channel: 'voice', accountSid: TEST_ACCOUNT_SID });
    expect(top.title).toBe(`Call with ${remote} on ${new Date().toISOString().slice(0, 10)}`);
    // Every turn once, the agent's as heard: the greeting, the caller, the answer.
    const all = await search({ text: 'washing machine technician Beluga support', scope, limit: 10, mode: 'lexical' });
    expect(all.hits.map((h) => h.chunk.id).sort()).toEqual(
      [`call:${callSid}:0:agent`, `call:${callSid}:1:agent`, `call:${callSid}:1:caller`].sort(),
    );
    const caller = all.hits.find((h) => h.chunk.id === `call:${callSid}:1:caller`)!.chunk;
    expect(caller.text).toContain(LEAK);
    expect(caller.source).toMatchObject({ speaker: 'caller' });
  });

  it("indexes an SMS exchange, found by the customer's own search and by nobody else's", async () => {
    const from = uniquePhone();
    const neighbour = uniquePhone();
    await text(from, 'Can you change my delivery address to 12 Harbour Street?');
    await text(neighbour, 'Is the shop on Harbour Street open on Sundays?');
    // Another account's customer (the same words, the same number): never in this account's results.
    const elsewhere = await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(from, 'Please send my parcel to 12 Harbour Street.', {
        AccountSid: SECOND_ACCOUNT_SID,
        To: SECOND_AGENT_NUMBER,
      }),
    );
    expect(elsewhere.status).toBe(200);
    const customer = await customerOf(TEST_ACCOUNT_SID, from);
    const other = await customerOf(TEST_ACCOUNT_SID, neighbour);
    const foreign = await customerOf(SECOND_ACCOUNT_SID, from);
    await eventually('the other account indexed', async () => {
      const result = await system.knowledge.search({
        text: 'Harbour Street',
        scope: { accountSid: SECOND_ACCOUNT_SID, customerIds: [foreign] },
      });
      return result.hits.length > 0;
    });

    const own = await eventually('the exchange indexed', async () => {
      const result = await search({ text: 'Harbour Street', scope: { customerIds: [customer] }, limit: 10 });
      return result.hits.length >= 2 && result;
    });
    expect(own.hits.every((h) => h.chunk.customerId === customer && h.chunk.accountSid === TEST_ACCOUNT_SID)).toBe(
      true,
    );
    const bySource = Object.fromEntries(
      own.hits.map((h) => [h.chunk.source.kind === 'message' ? h.chunk.source.direction : h.chunk.source.kind, h]),
    );
    expect(bySource.inbound!.chunk.channel).toBe('sms');
    expect(bySource.inbound!.chunk.title).toMatch(/^SMS with /);
    expect(bySource.outbound!.chunk.text).toContain('12 Harbour Street');
    const replySource = bySource.outbound!.chunk.source;
    expect(replySource.kind === 'message' && replySource.twilioSid).toMatch(/^SM/);

    // By meaning, within the customer's history: a new "shipping destination".
    const meant = await search({ text: 'update my shipping destination', scope: { customerIds: [customer] } });
    expect(meant.hits[0]?.chunk.customerId).toBe(customer);

    // The whole account sees both of its customers, never the other account's.
    // (By words: meaning alone would also rank the account's unrelated conversations, lower.)
    const account = await search({ text: 'Harbour Street', scope: { allCustomers: true }, limit: 20, mode: 'lexical' });
    expect(new Set(account.hits.map((h) => h.chunk.customerId))).toEqual(new Set([customer, other]));
    const hybrid = await search({ text: 'Harbour Street', scope: { allCustomers: true }, limit: 50 });
    expect(hybrid.hits.every((h) => h.chunk.accountSid === TEST_ACCOUNT_SID && h.chunk.customerId !== foreign)).toBe(
      true,
    );
    // Naming the other account's customer under this account finds nothing.
    expect((await search({ text: 'Harbour Street', scope: { customerIds: [foreign] } })).hits).toEqual([]);
    Object.assign(sms, { customer, other, foreign });
    maybeRecordHistory(customerWorkflowId(customer), 'customer-workflow');
  });

  it("searchTranscripts (user workflows' API) searches one account's conversations, or one customer's", async () => {
    expect(sms.customer).not.toBe('');
    const platform = platformActivitiesOf(system);
    const mine = await platform.searchTranscripts({ query: 'Harbour Street', customerId: sms.customer });
    expect(mine.mode).toBe('hybrid');
    expect(mine.hits.length).toBeGreaterThanOrEqual(2);
    for (const hit of mine.hits) {
      expect(hit).toMatchObject({ customerId: sms.customer, channel: 'sms' });
      expect(hit.messageId).toBeDefined();
    }
    expect(new Set(mine.hits.map((h) => h.direction))).toEqual(new Set(['inbound', 'outbound']));
    expect(mine.hits.find((h) => h.direction === 'inbound')!.body).toContain('change my delivery address');

    const account = await platform.searchTranscripts({ query: 'Harbour Street', kinds: ['message'], limit: 50 });
    const seen = new Set(account.hits.map((h) => h.customerId));
    expect(seen.has(sms.customer) && seen.has(sms.other) && !seen.has(sms.foreign)).toBe(true);
    expect(account.hits.every((h) => h.source.kind === 'message')).toBe(true);
    const second = await platform.searchTranscripts({ query: 'Harbour Street', accountSid: SECOND_ACCOUNT_SID });
    expect(new Set(second.hits.map((h) => h.customerId))).toEqual(new Set([sms.foreign]));
    // Calls, with where they were said.
    const calls = await platform.searchTranscripts({ query: 'washing machine', channels: ['voice'] });
    expect(calls.hits[0]).toMatchObject({ callSid, channel: 'voice', source: { kind: 'call' } });

    const refused = async (input: Parameters<typeof platform.searchTranscripts>[0]) =>
      platform.searchTranscripts(input).then(
        () => 'accepted',
        (error: { type?: string; message: string }) => `${error.type}: ${error.message}`,
      );
    expect(await refused({ query: '  ' })).toMatch(/^BadInput: searchTranscripts needs a query/);
    expect(await refused({ query: 'x', limit: 0 })).toMatch(/^BadInput: .*limit/);
    expect(await refused({ query: 'x', kinds: ['document' as 'call'] })).toMatch(
      /^BadInput: .*unknown kind "document"/,
    );
    expect(await refused({ query: 'x', from: 'yesterday' })).toMatch(/^BadInput: .*"from" is not a date/);
    expect(await refused({ query: 'x', accountSid: 'AC' + '0'.repeat(32) })).toMatch(/^UnknownAccount: /);
  });

  it('describes an inbound image once, stores the description with it, and indexes it', async () => {
    const from = uniquePhone();
    const sid = messageSid('MM');
    const url = system.twilio.inboundMediaUrl(
      TEST_ACCOUNT_SID,
      sid,
      media.serve(`/knowledge/${sid}`, { contentType: 'image/png', body: png1x1([200, 10, 10, 255]) }),
    );
    await text(from, 'my screen broke', {
      MessageSid: sid,
      NumMedia: '1',
      MediaUrl0: url,
      MediaContentType0: 'image/png',
    });
    const customer = await customerOf(TEST_ACCOUNT_SID, from);
    const found = await eventually('the image found by its description', async () => {
      const result = await search({ text: 'serial number QX-7731', scope: { customerIds: [customer] } });
      return result.hits.find((h) => h.chunk.source.kind === 'image');
    });
    expect(found.chunk.source).toEqual({ kind: 'image', messageId: sid, mediaIndex: 0, at: found.chunk.at });
    expect(found.chunk.text).toContain(CAPTION);
    const digests = await new MessageStore(system.db).media.digestsOf(sid, { withImageBytes: false });
    expect(digests.get(0)).toMatchObject({ kind: 'image', caption: CAPTION });
    const captionRequests = () =>
      system.anthropic.requests.filter(
        (r) => CAPTION_SYSTEM.test(JSON.stringify(r.system ?? '')) && JSON.stringify(r.messages).includes('image'),
      ).length;
    expect(captionRequests()).toBe(1);
    // Indexing the exchange again (a retried activity, a replay) replaces its chunks: the image is not described again.
    const messages = new MessageStore(system.db);
    const indexing = createConversationIndexActivities({
      knowledge: system.knowledge,
      calls: new CallStore(system.db),
      messages,
      customerRecords: new CustomerRecords(system.db, messages, new CustomerMemoryStore(system.db)),
      chatModel: () => new AgentModels(system.config).for(defaultAgentModel(system.config.get()), 'messaging'),
    });
    const count = await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID });
    expect((await indexing.indexMessages({ messageIds: [sid, `reply:${sid}`] })).chunks).toBe(3);
    expect(captionRequests()).toBe(1);
    expect(await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID })).toBe(count);
  });

  it('forgetting a customer removes all of their chunks, and only theirs', async () => {
    expect(callCustomer).not.toBe('');
    const scope = { customerIds: [callCustomer] };
    expect((await search({ text: 'washing machine', scope, mode: 'lexical' })).hits.length).toBeGreaterThan(0);
    const before = await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID });
    const deleted = await system.api('DELETE', `/customers/${callCustomer}?accountSid=${TEST_ACCOUNT_SID}`);
    expect(deleted.status).toBe(200);
    expect((deleted.json.deleted as Record<string, number>).knowledge_chunks).toBe(3);
    await eventually('the call forgotten', async () => {
      const result = await search({ text: 'washing machine leaking kitchen', scope, mode: 'lexical' });
      return result.hits.length === 0;
    });
    expect((await search({ text: 'laundry appliance flooding', scope })).hits).toEqual([]);
    expect(await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID })).toBe(before - 3);
  });
});
