import { randomBytes } from 'node:crypto';
import { IdentityStore } from '../../src/customers/identity-store';
import { CallStore } from '../../src/voice/call-store';
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
import { createApiKey, createOperator, keyApi, sessionApi, signIn, type SignedIn } from '../harness/operators';

// Roles and accounts: an `agent` reads but does not change agents or knowledge; an operator of
// account A finds nothing of account B (404, as if it did not exist) and lists only A's data.
describe('operator roles and account scoping', () => {
  let system: TestSystem;
  const word = `zebrafish${randomBytes(3).toString('hex')}`;
  const customerNumber = `+1555021${String(Math.floor(Math.random() * 9000) + 1000)}`;
  const data = {
    a: { customerId: '', callSid: '', knowledgeBaseId: '' },
    b: { customerId: '', callSid: '', knowledgeBaseId: '' },
  };
  let agentA: SignedIn;
  let adminA: SignedIn;
  let adminAId: string;

  async function text(accountSid: string, to: string): Promise<string> {
    const before = system.twilio.sentMessages({ to: customerNumber, from: to }).length;
    const response = await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(customerNumber, `Hello, a question about the ${word}`, { AccountSid: accountSid, To: to }),
    );
    expect(response.status).toBe(200);
    await eventually('reply', () => system.twilio.sentMessages({ to: customerNumber, from: to }).length > before);
    return (await new IdentityStore(system.db).find(accountSid, customerNumber))!;
  }

  async function call(accountSid: string, customerId: string, local: string): Promise<string> {
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    await new CallStore(system.db).start({
      callSid,
      accountSid,
      streamSid: `MZ${randomBytes(16).toString('hex')}`,
      customerId,
      remote: customerNumber,
      local,
      direction: 'inbound',
      at: new Date().toISOString(),
    });
    return callSid;
  }

  async function knowledgeBase(accountSid: string): Promise<string> {
    const created = await system.api('POST', '/knowledge-bases', {
      name: `Base of ${accountSid.slice(0, 6)}`,
      accountSid,
    });
    expect(created.status).toBe(201);
    return String(created.json.id);
  }

  beforeAll(async () => {
    system = await startTestSystem({}, { secondAccount: true });
    data.a.customerId = await text(TEST_ACCOUNT_SID, AGENT_NUMBER);
    data.b.customerId = await text(SECOND_ACCOUNT_SID, SECOND_AGENT_NUMBER);
    data.a.callSid = await call(TEST_ACCOUNT_SID, data.a.customerId, AGENT_NUMBER);
    data.b.callSid = await call(SECOND_ACCOUNT_SID, data.b.customerId, SECOND_AGENT_NUMBER);
    data.a.knowledgeBaseId = await knowledgeBase(TEST_ACCOUNT_SID);
    data.b.knowledgeBaseId = await knowledgeBase(SECOND_ACCOUNT_SID);
    const agent = await createOperator(system, { role: 'agent', accounts: [TEST_ACCOUNT_SID] });
    agentA = await signIn(system, agent.email, agent.password);
    const admin = await createOperator(system, { role: 'admin', accounts: [TEST_ACCOUNT_SID] });
    adminAId = admin.operatorId;
    adminA = await signIn(system, admin.email, admin.password);
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('lets an agent read calls, customers and knowledge of its account but not change agents, lines, knowledge or operators (403)', async () => {
    const get = (path: string) => sessionApi(system, agentA, 'GET', path);
    expect((await get(`/calls/${data.a.callSid}`)).status).toBe(200);
    expect((await get(`/customers/${data.a.customerId}`)).status).toBe(200);
    expect((await get(`/customers/${data.a.customerId}/messages`)).status).toBe(200);
    expect((await get(`/knowledge-bases/${data.a.knowledgeBaseId}`)).status).toBe(200);
    expect((await get('/agents/default')).status).toBe(200);

    const forbidden: Array<[string, string, unknown]> = [
      ['PUT', '/agents/default', { name: 'Changed', instructions: 'Say hi.' }],
      ['PUT', `/lines/${encodeURIComponent(AGENT_NUMBER)}`, { voice: { enabled: false } }],
      ['DELETE', `/lines/${encodeURIComponent(AGENT_NUMBER)}`, undefined],
      ['POST', '/knowledge-bases', { name: 'Not allowed' }],
      ['DELETE', `/knowledge-bases/${data.a.knowledgeBaseId}`, undefined],
      ['POST', `/knowledge-bases/${data.a.knowledgeBaseId}/documents`, { url: 'https://example.com/x' }],
      ['DELETE', `/customers/${data.a.customerId}`, undefined],
      ['GET', '/operators', undefined],
      ['POST', '/operators', { email: 'x@example.test', name: 'X', role: 'admin', accounts: [TEST_ACCOUNT_SID] }],
      ['GET', '/audit', undefined],
    ];
    for (const [method, path, body] of forbidden) {
      const response = await sessionApi(system, agentA, method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
      expect(response.json.code).toBe('forbidden');
    }
    // Nothing changed.
    expect((await system.api('GET', `/knowledge-bases/${data.a.knowledgeBaseId}`)).status).toBe(200);
    expect((await system.api('GET', `/customers/${data.a.customerId}`)).status).toBe(200);
  });

  it("answers 404 for another account's call, customer, knowledge base and conversation data, by session and by API key", async () => {
    const { apiKey } = await createApiKey(system, adminAId);
    for (const [name, request] of [
      ['session', (m: string, p: string) => sessionApi(system, adminA, m, p)],
      ['key', (m: string, p: string) => keyApi(system, apiKey, m, p)],
    ] as const) {
      const own = [
        `/calls/${data.a.callSid}`,
        `/customers/${data.a.customerId}`,
        `/knowledge-bases/${data.a.knowledgeBaseId}`,
      ];
      for (const path of own)
        expect({ name, path, status: (await request('GET', path)).status }).toEqual({ name, path, status: 200 });
      const others = [
        `/calls/${data.b.callSid}`,
        `/customers/${data.b.customerId}`,
        `/customers/${data.b.customerId}/messages`,
        `/customers/${data.b.customerId}/export`,
        `/customers/${data.b.customerId}/search?q=${word}`,
        `/knowledge-bases/${data.b.knowledgeBaseId}`,
        `/knowledge-bases/${data.b.knowledgeBaseId}/documents`,
      ];
      for (const path of others) {
        const response = await request('GET', path);
        expect({ name, path, status: response.status }).toEqual({ name, path, status: 404 });
        expect(JSON.stringify(response.json)).not.toContain(SECOND_ACCOUNT_SID);
      }
      const forget = await request('DELETE', `/customers/${data.b.customerId}`);
      expect({ name, status: forget.status }).toEqual({ name, status: 404 });
      const dropBase = await request('DELETE', `/knowledge-bases/${data.b.knowledgeBaseId}`);
      expect({ name, status: dropBase.status }).toEqual({ name, status: 404 });
      // Naming the other account: it is "not configured" as far as this operator is concerned.
      const named = await request(
        'GET',
        `/consent/${encodeURIComponent(customerNumber)}?accountSid=${SECOND_ACCOUNT_SID}`,
      );
      expect(named.status).toBe(400);
    }
    // The other account's data is still there for the root key.
    expect((await system.api('GET', `/calls/${data.b.callSid}`)).status).toBe(200);
    expect((await system.api('GET', `/customers/${data.b.customerId}`)).status).toBe(200);
    expect(
      (await system.api('GET', `/knowledge-bases/${data.b.knowledgeBaseId}?accountSid=${SECOND_ACCOUNT_SID}`)).status,
    ).toBe(200);
  });

  it("lists and searches only the operator's account", async () => {
    const bases = await sessionApi(system, adminA, 'GET', '/knowledge-bases');
    expect(bases.status).toBe(200);
    expect((bases.json.knowledgeBases as Array<{ id: string }>).map((b) => b.id)).toEqual([data.a.knowledgeBaseId]);

    const transcripts = await sessionApi(system, adminA, 'GET', `/transcripts/search?q=${word}`);
    expect(transcripts.status).toBe(200);
    const customers = new Set((transcripts.json.hits as Array<{ customerId: string }>).map((h) => h.customerId));
    expect([...customers]).toEqual([data.a.customerId]);
    const rootHits = (await system.api('GET', `/transcripts/search?q=${word}`)).json.hits as Array<{
      customerId: string;
    }>;
    expect(new Set(rootHits.map((h) => h.customerId))).toEqual(new Set([data.a.customerId, data.b.customerId]));

    const session = await sessionApi(system, adminA, 'GET', '/session');
    expect((session.json.accounts as Array<{ accountSid: string }>).map((a) => a.accountSid)).toEqual([
      TEST_ACCOUNT_SID,
    ]);
  });

  it("lets an admin of account A manage only A's operators, and read only A's audit", async () => {
    const forB = await sessionApi(system, adminA, 'POST', '/operators', {
      email: `b-agent-${word}@example.test`,
      name: 'B agent',
      role: 'agent',
      accounts: [SECOND_ACCOUNT_SID],
    });
    expect(forB.status).toBe(400);
    expect(String(forB.json.error)).toContain('accounts.0');
    const forAll = await sessionApi(system, adminA, 'POST', '/operators', {
      email: `all-${word}@example.test`,
      name: 'All',
      role: 'admin',
      accounts: 'all',
    });
    expect(forAll.status).toBe(403);
    const badBody = await sessionApi(system, adminA, 'POST', '/operators', {
      email: 'nope',
      name: '',
      role: 'boss',
      accounts: [],
    });
    expect(badBody.status).toBe(400);
    const fields = (badBody.json.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(fields).toEqual(['accounts', 'email', 'name', 'role']);

    const created = await sessionApi(system, adminA, 'POST', '/operators', {
      email: `a-agent-${word}@example.test`,
      name: 'A agent',
      role: 'agent',
      accounts: [TEST_ACCOUNT_SID],
    });
    expect(created.status).toBe(201);
    const operatorB = await createOperator(system, { role: 'admin', accounts: [SECOND_ACCOUNT_SID] });

    const listed = await sessionApi(system, adminA, 'GET', '/operators');
    const ids = (listed.json.operators as Array<{ operatorId: string }>).map((o) => o.operatorId);
    expect(ids).toContain(created.json.operatorId);
    expect(ids).not.toContain(operatorB.operatorId);
    expect(
      (await sessionApi(system, adminA, 'PATCH', `/operators/${operatorB.operatorId}`, { name: 'Hacked' })).status,
    ).toBe(404);
    expect((await sessionApi(system, adminA, 'DELETE', `/operators/${operatorB.operatorId}`)).status).toBe(404);
    expect((await sessionApi(system, adminA, 'POST', `/operators/${operatorB.operatorId}/api-keys`, {})).status).toBe(
      404,
    );

    const patched = await sessionApi(system, adminA, 'PATCH', `/operators/${String(created.json.operatorId)}`, {
      role: 'admin',
    });
    expect(patched.status).toBe(200);
    expect(patched.json.role).toBe('admin');
    expect((await sessionApi(system, adminA, 'DELETE', `/operators/${String(created.json.operatorId)}`)).status).toBe(
      200,
    );
    expect((await sessionApi(system, adminA, 'DELETE', `/operators/${adminAId}`)).status).toBe(409);

    // B's admin acts in B; A's admin does not see it in the audit, the root key does.
    const signedInB = await signIn(system, operatorB.email, operatorB.password);
    expect((await sessionApi(system, signedInB, 'POST', '/knowledge-bases', { name: `B base ${word}` })).status).toBe(
      201,
    );
    await eventually('B audited', async () => {
      const entries = (await system.api('GET', `/audit?operatorId=${operatorB.operatorId}`)).json.entries as unknown[];
      return entries.length >= 2;
    });
    const seenByA = await sessionApi(system, adminA, 'GET', '/audit?limit=500');
    expect(seenByA.status).toBe(200);
    const entries = seenByA.json.entries as Array<{ operatorId: string; accountSid?: string; action: string }>;
    expect(entries.some((e) => e.operatorId === adminAId && e.action === 'POST /api/operators')).toBe(true);
    expect(entries.filter((e) => e.operatorId === operatorB.operatorId)).toEqual([]);
    expect(entries.filter((e) => e.accountSid === SECOND_ACCOUNT_SID)).toEqual([]);
  });
});
