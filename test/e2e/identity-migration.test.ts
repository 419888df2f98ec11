import { createHash } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { IdentityStore } from '../../src/customers/identity-store';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { MessageStore } from '../../src/memory/message-store';
import { runMigrations } from '../../src/storage/migrations/runner';
import { scopeIdentitiesByAccount } from '../../src/storage/migrations/scope-identities-by-account';
import { customerWorkflowId } from '../../workflows/customer/contract';
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
import { testStack, uniqueName } from '../harness/stack';

/** What the release before tenant scoping wrote: `_id` the bare identity key, the customer id derived from it. */
async function writeOldCustomer(db: Db, phone: string, messages: Array<{ accountSid: string; body: string }>) {
  const key = `phone:${phone}`;
  const customerId = `cus_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
  await db.collection('identities').insertOne({ _id: key as never, customerId, createdAt: new Date() });
  const store = new MessageStore(db);
  for (const [i, m] of messages.entries()) {
    await store.recordOnce({
      id: `old:${phone}:${i}`,
      customerId,
      accountSid: m.accountSid,
      direction: 'inbound',
      channel: 'sms',
      from: phone,
      to: m.accountSid === SECOND_ACCOUNT_SID ? SECOND_AGENT_NUMBER : AGENT_NUMBER,
      body: m.body,
      status: 'received',
    });
    await new Promise((r) => setTimeout(r, 5)); // distinct `seq`: the earliest message decides the account
  }
  return customerId;
}

// Data written by the release before customers were scoped by account still answers with its memory.
describe('migration: identities scoped by account', () => {
  let system: TestSystem;
  const database = uniqueName('db').replace(/-/g, '_');
  const suffix = String(Math.floor(Math.random() * 9000) + 1000);
  const single = `+1415558${suffix}`;
  const spanning = `+1415559${suffix}`;
  const silent = `+1415550${suffix}`;
  const ids = { single: '', spanning: '', silent: '' };

  beforeAll(async () => {
    const mongo = await MongoClient.connect(testStack().mongoUri);
    const db = mongo.db(database);
    ids.single = await writeOldCustomer(db, single, [{ accountSid: TEST_ACCOUNT_SID, body: 'Order 7788 please' }]);
    ids.spanning = await writeOldCustomer(db, spanning, [
      { accountSid: SECOND_ACCOUNT_SID, body: 'first on the second tenant' },
      { accountSid: TEST_ACCOUNT_SID, body: 'later on the first tenant' },
    ]);
    ids.silent = await writeOldCustomer(db, silent, []);
    await new CustomerMemoryStore(db).save({
      customerId: ids.single,
      summary: 'Old summary: prefers email, waiting for order 7788.',
      summarizedThrough: new Date(0),
    });
    // Gateway and orchestrator may start at once: two concurrent runs, then the system's own at start.
    const context = { defaultAccountSid: TEST_ACCOUNT_SID };
    const runs = await Promise.all([runMigrations(db, context), runMigrations(db, context)]);
    expect(runs.flat()).toContain('2026-11-scope-identities-by-account');
    await mongo.close();
    system = await startTestSystem({ MONGODB_DATABASE: database }, { secondAccount: true });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('keeps each customer id in the account of its earliest message, and is idempotent', async () => {
    const identities = new IdentityStore(system.db);
    expect(await identities.find(TEST_ACCOUNT_SID, single)).toBe(ids.single);
    expect(await identities.find(SECOND_ACCOUNT_SID, single)).toBeUndefined();
    expect(await identities.find(SECOND_ACCOUNT_SID, spanning)).toBe(ids.spanning);
    // Its messages on the other account moved to that account's own customer of the number.
    const other = (await identities.find(TEST_ACCOUNT_SID, spanning))!;
    expect(other).toBeDefined();
    expect(other).not.toBe(ids.spanning);
    expect((await new MessageStore(system.db).recent(ids.spanning, 10)).map((m) => m.body)).toEqual([
      'first on the second tenant',
    ]);
    expect((await new MessageStore(system.db).recent(other, 10)).map((m) => m.body)).toEqual([
      'later on the first tenant',
    ]);
    expect(await identities.find(TEST_ACCOUNT_SID, silent)).toBe(ids.silent);
    expect(await identities.addresses(ids.single)).toEqual([`phone:${single}`]);

    expect(await system.db.collection('migrations').countDocuments()).toBe(1);
    expect(await runMigrations(system.db, { defaultAccountSid: TEST_ACCOUNT_SID })).toEqual([]);
    expect(await scopeIdentitiesByAccount(system.db, TEST_ACCOUNT_SID)).toEqual({
      copied: 0,
      // The first run moved the other account's messages: nothing spans accounts any more.
      spanningCustomers: [],
      unassigned: [],
    });
    // Old documents stay (a later release removes them); nothing is duplicated.
    expect(await system.db.collection('identities').countDocuments()).toBe(7);
  });

  it('answers an inbound SMS from a migrated number with its old memory and history', async () => {
    system.anthropic.setResponder(undefined);
    await system.webhook('/twilio/messaging/inbound', inboundSms(single, 'Any update on my order?'));
    await eventually('reply', () => system.twilio.sentMessages({ to: single }).length > 0);
    const request = system.anthropic.requests.find((r) =>
      JSON.stringify(r.messages).includes('Any update on my order'),
    );
    expect(request!.system).toContain('Old summary: prefers email, waiting for order 7788.');
    expect(JSON.stringify(request!.messages)).toContain('Order 7788 please');
    await system.temporal.workflow.getHandle(customerWorkflowId(ids.single)).describe();
  });

  it("answers a spanning customer on the other account with that account's history only", async () => {
    await system.webhook('/twilio/messaging/inbound', inboundSms(spanning, 'Hello from the first tenant again'));
    await eventually('reply', () => system.twilio.sentMessages({ to: spanning }).length > 0);
    const request = system.anthropic.requests.find((r) => JSON.stringify(r.messages).includes('first tenant again'));
    expect(JSON.stringify(request!.messages)).toContain('later on the first tenant');
    expect(JSON.stringify(request)).not.toContain('first on the second tenant');
  });
});
