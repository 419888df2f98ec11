import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import type { BrowserCallStart, CallDetail } from '../../src/gateway/api-types';
import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchBrowser, type TestBrowser } from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, type TestOperator } from '../harness/operators';
import { eventually, type TestSystem } from '../harness/system';
import { startSandboxVoiceSystem, type SandboxVoiceSystem } from '../harness/sandbox-voice';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const AGENT_LINE = 'Hi from the agent in your browser.';

/**
 * "Talk to an agent" on the Live page, in the sandbox: the page opens the call (its socket bridged by
 * the gateway into the realtime worker's media-stream loop), the simulated caller says the typed line,
 * the agent answers in the same loop, and hanging up ends the call as a phone call ends.
 */
describe('browser call from the Live page (sandbox)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let sandbox: SandboxVoiceSystem | undefined;
  let operator: TestOperator;

  beforeAll(async () => {
    requireBuiltConsole();
    [sandbox, browser] = await Promise.all([startSandboxVoiceSystem(), launchBrowser({ fakeMedia: true })]);
    system = sandbox.system;
    operator = await createOperator(system, { name: 'Bea Browser', role: 'agent' });
    system.anthropic.setResponder((request) =>
      textReply(/hello there/i.test(lastUserText(request)) ? AGENT_LINE : 'Okay.'),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('calls the chosen agent, says a typed line, hears the answer, hangs up: a completed browser call', async () => {
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, operator);
    await page.getByLabel('Agent', { exact: true }).selectOption('default');

    const started = page.waitForResponse((r) => r.url().endsWith('/api/browser-calls') && r.status() === 201);
    await page.getByRole('button', { name: 'Call agent' }).click();
    const call = (await (await started).json()) as BrowserCallStart;
    expect(call.sandbox).toBe(true);

    // The greeting is spoken and the socket is up: the sandbox offers the "Say" box.
    const sayBox = page.getByRole('textbox', { name: 'Say' });
    await sayBox.waitFor();
    await page.getByText('In call', { exact: false }).first().waitFor();
    await checkAccessibility(page, 'Live page during a browser call');

    await sayBox.fill('Hello there, agent');
    await page.getByRole('button', { name: 'Say it' }).click();

    // The same loop as a phone call: the line reaches the model, and the answer is spoken back.
    await eventually(
      'the model asked with the typed line',
      () => system.anthropic.requests.find((r) => /hello there/i.test(lastUserText(r))),
      30_000,
    );
    await eventually(
      'the answer synthesized for the page',
      () => system.tts.requests.find((r) => r.text.includes('agent in your browser')),
      30_000,
    );
    // The live view on the same page shows the call's transcript growing; the agent's turn is in it
    // once the page has played the answer and echoed its marks (what the caller heard).
    await page
      .getByRole('list', { name: 'Transcript' })
      .getByRole('listitem')
      .filter({ hasText: AGENT_LINE })
      .first()
      .waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByText('Call ended').waitFor();
    await page.getByRole('button', { name: 'Call agent' }).waitFor();

    const record = await eventually(
      'the call completed',
      async () => {
        const answer = await system.api('GET', `/calls/${call.callSid}`);
        const detail = answer.json as unknown as CallDetail;
        return detail.outcome === 'completed' ? detail : undefined;
      },
      30_000,
    );
    expect(record.browser).toBe(true);
    expect(record.turns.some((t) => t.role === 'caller' && /hello there/i.test(t.text))).toBe(true);
    expect(record.turns.some((t) => t.role === 'agent' && t.text.includes(AGENT_LINE))).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  });
});
