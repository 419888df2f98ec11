import { IdentityStore } from '../../src/customers/identity-store';
import { CustomerRecords } from '../../src/customers/customer-records';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { MessageStore } from '../../src/memory/message-store';
import { CallStore } from '../../src/voice/call-store';
import { customerWorkflowId } from '../../workflows/customer/contract';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const COLLECTIONS = [
  'identities',
  'messages',
  'customer_memory',
  'calls',
  'call_turns',
  'call_recordings',
  'events',
  'verification_codes',
];

// Forgetting: export first, then delete; afterwards no route, search or collection knows the customer.
describe('forgetting a customer', () => {
  let system: TestSystem;
  const digits = String(Math.floor(Math.random() * 9000) + 1000);
  const from = `+1415557${digits}`;
  const word = `zanzibar${digits}`;
  const callSid = 'CA' + digits.repeat(8);

  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function textAndWait(body: string): Promise<void> {
    const before = system.twilio.sentMessages({ to: from }).length;
    const response = await system.webhook('/twilio/messaging/inbound', inboundSms(from, body));
    expect(response.status).toBe(200);
    await eventually('reply', () => system.twilio.sentMessages({ to: from }).length > before);
  }

  async function seedCall(customerId: string): Promise<void> {
    const calls = new CallStore(system.db);
    const at = new Date().toISOString();
    await calls.start({
      callSid,
      accountSid: TEST_ACCOUNT_SID,
      streamSid: 'MZ' + digits.repeat(8),
      customerId,
      remote: from,
      local: AGENT_NUMBER,
      direction: 'inbound',
      at,
    });
    await calls.addTurn(callSid, customerId, { turnId: 1, role: 'caller', text: `the ${word} order`, at });
    await calls.addRecording(
      { callSid, accountSid: TEST_ACCOUNT_SID },
      { recordingSid: 'RE' + digits.repeat(8), status: 'completed', durationSeconds: 12, at },
    );
    await new MessageStore(system.db).recordOnce({
      id: `call:${callSid}:1:caller`,
      customerId,
      accountSid: TEST_ACCOUNT_SID,
      direction: 'inbound',
      channel: 'voice',
      from,
      to: AGENT_NUMBER,
      body: `the ${word} order`,
      status: 'received',
    });
  }

  it('exports everything, then deletes it so that nothing of the customer is found', async () => {
    system.anthropic.setResponder(undefined);
    await textAndWait(`Hello, my parcel ${word} has not arrived.`);
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, from))!;
    expect(customerId).toBeDefined();
    await new CustomerMemoryStore(system.db).save({
      customerId,
      summary: `Waiting for parcel ${word}.`,
      summarizedThrough: new Date(0),
    });
    await seedCall(customerId);

    const exported = await system.api('GET', `/customers/${customerId}/export`);
    expect(exported.status).toBe(200);
    const dump = JSON.stringify(exported.json);
    expect(exported.json.customerId).toBe(customerId);
    expect((exported.json.identities as unknown[]).length).toBeGreaterThan(0);
    expect((exported.json.memory as { summary: string }).summary).toContain(word);
    const bodies = (exported.json.messages as { body: string }[]).map((m) => m.body);
    expect(bodies.some((b) => b.includes(`parcel ${word}`))).toBe(true);
    expect((exported.json.calls as { _id: string }[])[0]!._id).toBe(callSid);
    expect((exported.json.callTurns as unknown[]).length).toBe(1);
    expect((exported.json.recordings as unknown[]).length).toBe(1);
    expect((exported.json.events as unknown[]).length).toBeGreaterThan(0);
    expect(dump).toContain(from);

    const sids = (exported.json.messages as { twilioSid?: string }[]).flatMap((m) =>
      m.twilioSid ? [m.twilioSid] : [],
    );
    expect(sids.length).toBeGreaterThan(0);

    const deleted = await system.api('DELETE', `/customers/${customerId}?accountSid=${TEST_ACCOUNT_SID}`);
    expect(deleted.status).toBe(200);
    const counts = deleted.json.deleted as Record<string, number>;
    expect(counts.messages).toBeGreaterThanOrEqual(3);
    expect(counts.identities).toBeGreaterThan(0);
    expect(counts.customer_memory).toBe(1);

    expect((await system.api('GET', `/customers/${customerId}`)).status).toBe(404);
    expect((await system.api('GET', `/customers/by-address/${encodeURIComponent(from)}`)).status).toBe(404);
    expect((await system.api('GET', `/customers/${customerId}/export`)).status).toBe(404);
    const history = await system.api('GET', `/customers/${customerId}/messages`);
    expect(history.status === 404 || (history.json.messages as unknown[]).length === 0).toBe(true);
    const search = await system.api('GET', `/transcripts/search?q=${word}`);
    expect(search.status).toBe(200);
    expect(search.json.hits).toEqual([]);
    expect((await system.api('GET', `/calls/${callSid}`)).status).toBe(404);
    for (const name of COLLECTIONS) {
      const left = await system.db.collection(name).countDocuments({ customerId });
      expect({ name, left }).toEqual({ name, left: 0 });
    }
    expect(await system.db.collection('customer_memory').countDocuments({ _id: customerId } as object)).toBe(0);
    expect(await system.db.collection('call_recordings').countDocuments({ callSid })).toBe(0);
    expect(await system.db.collection('delivery_callbacks').countDocuments({ twilioSid: { $in: sids } })).toBe(0);
    // The conversation workflow was stopped, so it cannot write the history again.
    const conversation = await system.temporal.workflow.getHandle(customerWorkflowId(customerId)).describe();
    expect(conversation.status.name).not.toBe('RUNNING');

    // Deleting again is harmless: the same operation's result, nothing more removed.
    const again = await new CustomerRecords(
      system.db,
      new MessageStore(system.db),
      new CustomerMemoryStore(system.db),
    ).forget(customerId);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);

    // The number comes back as a stranger: a new customer, and the model sees nothing of before.
    const requestsBefore = system.anthropic.requests.length;
    await textAndWait('Hi, anyone there?');
    const fresh = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, from))!;
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(customerId);
    const request = system.anthropic.requests
      .slice(requestsBefore)
      .find((r) => JSON.stringify(r).includes('anyone there'));
    expect(request).toBeDefined();
    expect(JSON.stringify(request)).not.toContain(word);
  });
});
