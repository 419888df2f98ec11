import fs from 'node:fs';
import { OPERATOR_KEY, TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';
import { createApiKey, createOperator, keyApi, sessionApi, signIn } from '../harness/operators';

type Entry = { action: string; operatorId: string; target?: string; status: number; accountSid?: string };

// Operators' own credentials: sign-in with email and password or an API key, sessions that expire,
// CSRF on the console's unsafe requests, and the audit of all of it.
describe('operator sign-in, sessions, API keys, CSRF and audit', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({}, { configFile: {} });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function auditEntries(query = ''): Promise<Entry[]> {
    const { status, json } = await system.api('GET', `/audit?limit=500${query}`);
    expect(status).toBe(200);
    return json.entries as Entry[];
  }

  function setConsoleConfig(settings: Record<string, unknown>): void {
    const file = system.configFile!;
    const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...current, console: settings }));
    expect(system.config.reload()).toBeUndefined();
  }

  it('signs in with email and password, shows the session, signs out; the password is stored only as a scrypt hash', async () => {
    const operator = await createOperator(system, { name: 'Ada', role: 'admin' });
    const signedIn = await signIn(system, operator.email.toUpperCase(), operator.password);
    const view = signedIn.session as {
      operator: { operatorId: string; name: string; email: string; role: string; accounts: string[] };
      csrfToken: string;
      expiresAt: string;
      accounts: Array<{ accountSid: string }>;
      temporalNamespace: string;
    };
    expect(view.operator).toEqual({
      operatorId: operator.operatorId,
      name: 'Ada',
      email: operator.email,
      role: 'admin',
      accounts: [TEST_ACCOUNT_SID],
    });
    expect(view.accounts.map((a) => a.accountSid)).toEqual([TEST_ACCOUNT_SID]);
    expect(view.csrfToken).toMatch(/^[0-9a-f]{64}$/);
    const ttl = new Date(view.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(470 * 60_000);
    expect(ttl).toBeLessThanOrEqual(480 * 60_000);

    const again = await sessionApi(system, signedIn, 'GET', '/session');
    expect(again.status).toBe(200);
    expect(again.json.csrfToken).toBe(view.csrfToken);
    expect(
      (await sessionApi(system, signedIn, 'GET', `/customers/by-address/${encodeURIComponent('+15550210001')}`)).status,
    ).toBe(404);

    // Stored: a scrypt hash of the password, a hash of the session token; neither in clear anywhere.
    const stored = await system.db.collection('operators').findOne({ _id: operator.operatorId as never });
    expect(String(stored!.passwordHash)).toMatch(/^scrypt\$15\$8\$1\$/);
    const token = signedIn.cookie.split('=')[1]!;
    for (const name of ['operators', 'operator_sessions', 'audit_log', 'operator_emails']) {
      const all = JSON.stringify(await system.db.collection(name).find({}).toArray());
      expect({ name, hasPassword: all.includes(operator.password) }).toEqual({ name, hasPassword: false });
      expect({ name, hasToken: all.includes(token) }).toEqual({ name, hasToken: false });
    }

    const out = await sessionApi(system, signedIn, 'DELETE', '/session');
    expect(out.status).toBe(204);
    const after = await sessionApi(system, signedIn, 'GET', '/session');
    expect(after.status).toBe(401);
    expect(after.json.code).toBe('session_expired');
    expect((await sessionApi(system, signedIn, 'GET', '/agents')).status).toBe(401);

    const entries = await auditEntries(`&operatorId=${operator.operatorId}`);
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['session.sign_in', 'session.sign_out']));
  });

  it('answers a wrong password and an unknown email alike with 401, and audits the failure without the password', async () => {
    const operator = await createOperator(system);
    const attempt = async (body: unknown) => {
      const response = await fetch(`${system.gatewayUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        json: (await response.json()) as Record<string, unknown>,
        cookie: response.headers.get('set-cookie'),
      };
    };
    const wrong = await attempt({ email: operator.email, password: 'WrongPassword-123' });
    const unknown = await attempt({ email: 'nobody-here@example.test', password: 'WrongPassword-123' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.cookie).toBeNull();

    const invalid = await attempt({ email: 'not-an-email', password: 'x' });
    expect(invalid.status).toBe(400);
    expect(String(invalid.json.error)).toContain('email');

    const entries = await eventually('the failure audited', async () => {
      const found = (await auditEntries('&action=session.sign_in_failed')).filter((e) => e.target === operator.email);
      return found.length ? found : undefined;
    });
    expect(entries[0]).toMatchObject({ operatorId: operator.operatorId, status: 401 });
    const everything = JSON.stringify(await system.db.collection('audit_log').find({}).toArray());
    expect(everything).not.toContain('WrongPassword-123');
    expect(everything).not.toContain(operator.password);
  });

  it('throttles repeated failures for one email with 429', async () => {
    setConsoleConfig({ signInFailureLimit: 3 });
    try {
      const operator = await createOperator(system);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${system.gatewayUrl}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
          body: JSON.stringify({ email: operator.email, password: `Wrong-password-${i}` }),
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      // Even the right password waits out the window: guessing cannot go faster.
      const right = await fetch(`${system.gatewayUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50' },
        body: JSON.stringify({ email: operator.email, password: operator.password }),
      });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      setConsoleConfig({});
    }
  });

  it('accepts an operator API key until it is revoked, and a session opened with it', async () => {
    const operator = await createOperator(system, { role: 'agent' });
    const { keyId, apiKey } = await createApiKey(system, operator.operatorId);
    expect(apiKey).toMatch(/^bop_/);
    expect((await keyApi(system, apiKey, 'GET', '/agents')).status).toBe(200);
    expect((await keyApi(system, apiKey, 'GET', '/operators')).status).toBe(403);

    // Listed without the key; stored only as a hash.
    const listed = await system.api('GET', `/operators/${operator.operatorId}`);
    expect(listed.json.apiKeys).toEqual([expect.objectContaining({ keyId, name: 'test key' })]);
    expect(JSON.stringify(listed.json)).not.toContain(apiKey);
    expect(JSON.stringify(await system.db.collection('operator_api_keys').find({}).toArray())).not.toContain(apiKey);

    const viaKey = await fetch(`${system.gatewayUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey }),
    });
    expect(viaKey.status).toBe(200);
    expect(((await viaKey.json()) as { operator: { role: string } }).operator.role).toBe('agent');

    expect((await system.api('DELETE', `/operators/${operator.operatorId}/api-keys/${keyId}`)).status).toBe(200);
    const revoked = await keyApi(system, apiKey, 'GET', '/agents');
    expect(revoked.status).toBe(401);
    expect(JSON.stringify(revoked.json)).not.toContain(apiKey);
  });

  it('ends a session after the configured TTL, read live from the config', async () => {
    const operator = await createOperator(system);
    const signedIn = await signIn(system, operator.email, operator.password);
    expect((await sessionApi(system, signedIn, 'GET', '/agents')).status).toBe(200);
    // Shortened after sign-in: applies to the open session too.
    setConsoleConfig({ sessionTtlMinutes: 0.05 });
    try {
      await eventually(
        'the session expired',
        async () => (await sessionApi(system, signedIn, 'GET', '/agents')).status === 401,
        15_000,
      );
      const fresh = await signIn(system, operator.email, operator.password);
      const ttl = new Date(String(fresh.session.expiresAt)).getTime() - Date.now();
      expect(ttl).toBeLessThanOrEqual(3_000);
      await new Promise((r) => setTimeout(r, 3_500));
      const expired = await sessionApi(system, fresh, 'GET', '/session');
      expect(expired.status).toBe(401);
      expect(expired.json.code).toBe('session_expired');
    } finally {
      setConsoleConfig({});
    }
  });

  it('refuses a signed-in unsafe request without the right X-CSRF-Token (403), accepts it with it, and audits each', async () => {
    const operator = await createOperator(system);
    const signedIn = await signIn(system, operator.email, operator.password);
    const body = { name: 'CSRF test base' };
    const missing = await sessionApi(system, signedIn, 'POST', '/knowledge-bases', body, { csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.json.code).toBe('csrf');
    expect(String(missing.json.error)).toContain('X-CSRF-Token');
    const wrong = await sessionApi(system, signedIn, 'POST', '/knowledge-bases', body, { csrf: 'f'.repeat(64) });
    expect(wrong.status).toBe(403);
    const right = await sessionApi(system, signedIn, 'POST', '/knowledge-bases', body);
    expect(right.status).toBe(201);
    // API keys need no CSRF token (no cookie a browser could send on its own).
    expect((await system.api('POST', '/knowledge-bases', { name: 'CSRF test base 2' })).status).toBe(201);

    const entries = await eventually('three audited attempts', async () => {
      const found = (await auditEntries(`&operatorId=${operator.operatorId}`)).filter((e) =>
        e.action.startsWith('POST /api/knowledge-bases'),
      );
      return found.length >= 3 ? found : undefined;
    });
    expect(entries.map((e) => e.status).sort()).toEqual([201, 403, 403]);
    expect(entries.find((e) => e.status === 201)).toMatchObject({
      action: 'POST /api/knowledge-bases',
      accountSid: TEST_ACCOUNT_SID,
    });
  });

  it('audits an unsafe request with the route pattern, its target, account and status', async () => {
    const put = await system.api('PUT', '/agents/audited-agent', {
      name: 'Audited',
      instructions: 'Answer briefly.',
    });
    expect([200, 201]).toContain(put.status);
    const entry = await eventually('the PUT audited', async () =>
      (await auditEntries('&action=' + encodeURIComponent('PUT /api/agents/:id'))).find(
        (e) => e.target === 'audited-agent',
      ),
    );
    expect(entry).toMatchObject({ operatorId: 'root', status: put.status });
    const unauthenticated = await fetch(`${system.gatewayUrl}/api/agents`, {
      headers: { 'x-api-key': 'wrong-key-0123456789' },
    });
    expect(unauthenticated.status).toBe(401);
    expect(OPERATOR_KEY).toBeDefined();
  });
});
