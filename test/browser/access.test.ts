import { CallStore } from '../../src/voice/call-store';
import type { StreamStarted } from '../../src/voice/call-types';
import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchBrowser, type TestBrowser } from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, sessionApi, signIn, type TestOperator } from '../harness/operators';
import {
  AGENT_NUMBER,
  SECOND_ACCOUNT_SID,
  SECOND_AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const BILLING = {
  name: 'Billing',
  instructions: 'You are Billing at Beluga.',
  greeting: 'Billing here.',
  voice: { voiceId: 'voice-billing' },
};

/** A finished call of `accountSid`, as its workflow records it. */
async function recordedCall(system: TestSystem, accountSid: string, callSid: string, remote: string, local: string) {
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const stream: StreamStarted = {
    callSid,
    accountSid,
    streamSid: `MZ${callSid.slice(2)}`,
    customerId: `cust-${callSid.slice(-6)}`,
    remote,
    local,
    direction: 'inbound',
    at: startedAt,
  };
  await new CallStore(system.db).finish({ callSid, accountSid, stream, outcome: 'completed', dtmf: [], startedAt });
}

/** What a human `agent`-role operator and an operator of one account may see and do, in the page and the API. */
describe('console access (browser)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let humanAgent: TestOperator;
  const ourCall = `CA${'25a'.repeat(10)}01`;
  const theirCall = `CA${'25b'.repeat(10)}02`;

  beforeAll(async () => {
    requireBuiltConsole();
    [system, browser] = await Promise.all([startTestSystem({}, { secondAccount: true }), launchBrowser()]);
    humanAgent = await createOperator(system, { name: 'Hugo Human', role: 'agent', accounts: [TEST_ACCOUNT_SID] });
    expect((await system.api('PUT', '/agents/billing', BILLING)).status).toBe(201);
    await recordedCall(system, TEST_ACCOUNT_SID, ourCall, '+15550250101', AGENT_NUMBER);
    await recordedCall(system, SECOND_ACCOUNT_SID, theirCall, '+15550250102', SECOND_AGENT_NUMBER);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('an agent-role operator sees an agent read-only, with no Save, and the API refuses the change (403)', async () => {
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, humanAgent);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Operators' }).count()).resolves.toBe(0);
    await nav.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('link', { name: /Billing/ }).click();
    // The agent's definition is shown (in fields or text), then checked.
    await eventually('the agent definition shown', async () => {
      const values = await page
        .getByRole('main')
        .locator('input, textarea')
        .evaluateAll((els) => els.map((el) => (el as unknown as { value: string }).value));
      return [...values, (await page.getByRole('main').textContent()) ?? ''].some((v) =>
        v.includes('You are Billing at Beluga.'),
      );
    });
    await checkAccessibility(page);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    // Every field of the definition is read-only or disabled for this role (the dry run stays usable).
    const fields = page.getByRole('form', { name: 'Definition' }).locator('input:not([type=hidden]), textarea, select');
    expect(await fields.count()).toBeGreaterThan(2);
    const editable = await fields.evaluateAll(
      (els) =>
        els.filter((el) => {
          const field = el as unknown as { readOnly?: boolean; disabled: boolean };
          return !field.readOnly && !field.disabled;
        }).length,
    );
    expect(editable).toBe(0);

    const session = await signIn(system, humanAgent.email, humanAgent.password);
    const put = await sessionApi(system, session, 'PUT', '/agents/billing', { ...BILLING, greeting: 'Changed.' });
    expect(put.status).toBe(403);
    const agent = await system.api('GET', '/agents/billing');
    expect(JSON.stringify(agent.json)).not.toContain('Changed.');
  });

  it("an operator of one account cannot open another account's call: the page says not found, the API answers 404", async () => {
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, humanAgent);
    // Their own account's call opens (so the refusal below is not a broken page).
    await page.goto(`${system.gatewayUrl}/console/calls/${ourCall}`);
    await page.getByRole('heading', { name: `Call ${ourCall}` }).waitFor();
    await checkAccessibility(page);

    await page.goto(`${system.gatewayUrl}/console/calls/${theirCall}`);
    await page
      .getByRole('alert')
      .filter({ hasText: /not found/i })
      .waitFor();
    expect(await page.getByRole('list', { name: 'Transcript' }).count()).toBe(0);
    expect(await page.getByText('+15550250102').count()).toBe(0);
    await checkAccessibility(page);

    const session = await signIn(system, humanAgent.email, humanAgent.password);
    const theirs = await sessionApi(system, session, 'GET', `/calls/${theirCall}`);
    expect(theirs.status).toBe(404);
    expect(JSON.stringify(theirs.json)).not.toContain('+15550250102');
    // Naming the other account explicitly does not help either.
    expect(
      (await sessionApi(system, session, 'GET', `/calls/${theirCall}?accountSid=${SECOND_ACCOUNT_SID}`)).status,
    ).toBe(404);
    expect((await sessionApi(system, session, 'GET', `/calls/${ourCall}`)).status).toBe(200);
    // The call exists: the root key sees it.
    expect((await system.api('GET', `/calls/${theirCall}`)).status).toBe(200);
    expect(browser.pageErrors).toEqual([]);
  });
});
