import { IdentityStore } from '../../src/customers/identity-store';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
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

// Customers are per account: the same number texting two tenants' numbers is two customers, and
// nothing of one tenant's conversation reaches the other's agent.
describe('customers scoped by account', () => {
  let system: TestSystem;
  const from = `+1415556${String(Math.floor(Math.random() * 9000) + 1000)}`;

  beforeAll(async () => {
    system = await startTestSystem({}, { secondAccount: true });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function textAndWait(accountSid: string, to: string, body: string): Promise<void> {
    const before = system.twilio.sentMessages({ to: from, from: to }).length;
    const response = await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(from, body, { AccountSid: accountSid, To: to }),
    );
    expect(response.status).toBe(200);
    await eventually('reply', () => system.twilio.sentMessages({ to: from, from: to }).length > before);
  }

  it('gives the same number two customers with two memories, and the second account hears nothing of the first', async () => {
    system.anthropic.setResponder(undefined);
    await textAndWait(TEST_ACCOUNT_SID, AGENT_NUMBER, 'My order number is 4521 and I live at Elm Street.');
    const identities = new IdentityStore(system.db);
    const first = (await identities.find(TEST_ACCOUNT_SID, from))!;
    await new CustomerMemoryStore(system.db).save({
      customerId: first,
      summary: 'Customer of tenant one; order 4521, lives at Elm Street.',
      summarizedThrough: new Date(0),
    });

    await textAndWait(SECOND_ACCOUNT_SID, SECOND_AGENT_NUMBER, 'Hi, is anyone there today?');
    const second = (await identities.find(SECOND_ACCOUNT_SID, from))!;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await identities.accountOf(first)).toBe(TEST_ACCOUNT_SID);
    expect(await identities.accountOf(second)).toBe(SECOND_ACCOUNT_SID);

    const request = system.anthropic.requests.find((r) => JSON.stringify(r.messages).includes('is anyone there today'));
    expect(request).toBeDefined();
    // What the model was given (not the request's headers: the emulator's random port can contain "4521").
    const seen = JSON.stringify(request!.body);
    expect(seen).not.toContain('4521');
    expect(seen).not.toContain('Elm Street');
    expect(await new CustomerMemoryStore(system.db).get(second)).toBeUndefined();

    // The first account's customer still has their memory: the next request of theirs carries it.
    await textAndWait(TEST_ACCOUNT_SID, AGENT_NUMBER, 'Any news about my parcel?');
    const again = system.anthropic.requests.find((r) => JSON.stringify(r.messages).includes('news about my parcel'));
    expect(again!.system).toContain('order 4521, lives at Elm Street');
  }, 60_000);

  it('scopes the operator API by account: by-address needs the account, a customer is not shown under another', async () => {
    const ambiguous = await system.api('GET', `/customers/by-address/${encodeURIComponent(from)}`);
    expect(ambiguous.status).toBe(400);
    expect(JSON.stringify(ambiguous.json)).toContain('accountSid');

    const one = await system.api(
      'GET',
      `/customers/by-address/${encodeURIComponent(from)}?accountSid=${TEST_ACCOUNT_SID}`,
    );
    const two = await system.api(
      'GET',
      `/customers/by-address/${encodeURIComponent(from)}?accountSid=${SECOND_ACCOUNT_SID}`,
    );
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    expect(one.json.customerId).not.toBe(two.json.customerId);

    const own = await system.api('GET', `/customers/${String(one.json.customerId)}?accountSid=${TEST_ACCOUNT_SID}`);
    expect(own.status).toBe(200);
    expect(own.json.accountSid).toBe(TEST_ACCOUNT_SID);
    expect(own.json.addresses).toEqual([`phone:${from}`]);
    const foreign = await system.api(
      'GET',
      `/customers/${String(one.json.customerId)}?accountSid=${SECOND_ACCOUNT_SID}`,
    );
    expect(foreign.status).toBe(404);
    const foreignHistory = await system.api(
      'GET',
      `/customers/${String(one.json.customerId)}/messages?accountSid=${SECOND_ACCOUNT_SID}`,
    );
    expect(foreignHistory.status).toBe(404);

    // Linking never crosses accounts: the address is linked within the customer's own account.
    const linked = await system.api('POST', `/customers/${String(two.json.customerId)}/addresses`, {
      address: 'whatsapp:+14155550199',
      accountSid: TEST_ACCOUNT_SID,
    });
    expect(linked.status).toBe(404);
  });

  it('searches one account only when it is named', async () => {
    const mine = await system.api('GET', `/transcripts/search?q=4521&accountSid=${TEST_ACCOUNT_SID}`);
    expect(mine.status).toBe(200);
    expect((mine.json.hits as unknown[]).length).toBeGreaterThan(0);
    const theirs = await system.api('GET', `/transcripts/search?q=4521&accountSid=${SECOND_ACCOUNT_SID}`);
    expect(theirs.status).toBe(200);
    expect(theirs.json.hits).toEqual([]);
  });
});
