import type { Locator } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  checkAccessibility,
  launchBrowser,
  withFailureScreenshot,
  type TestBrowser,
} from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, type TestOperator } from '../harness/operators';
import { eventually, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, scriptModel } from '../harness/voice';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const PLANS =
  'We have three plans. The basic plan costs ten dollars a month and includes all your calls. The standard plan costs twenty dollars a month and adds unlimited messaging. The premium plan costs thirty dollars and adds everything else we offer.';
const CHEAPEST = 'The basic plan is ten dollars a month.';

async function count(locator: Locator): Promise<number> {
  return locator.count();
}

/** A simulated phone call seen live in the console, then read on its call page. */
describe('live calls and the call page (browser)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let admin: TestOperator;

  beforeAll(async () => {
    requireBuiltConsole();
    [system, browser] = await Promise.all([
      startTestSystem({ VOICE_GREETING: GREETING, TEMPORAL_UI_URL: 'http://localhost:8233' }, { voice: true }),
      launchBrowser(),
    ]);
    admin = await createOperator(system, { name: 'Lina Live', role: 'admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('a call appears live with its transcript growing; its page shows the latency chart and heard/interrupted marks', async () => {
    const remote = '+15550250201';
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, admin);
    await checkAccessibility(page);

    system.stt.script(['Tell me about your plans.', 'Stop, just the cheapest one please.']);
    scriptModel(system, [
      [/plans/i, () => PLANS],
      [/cheapest/i, () => CHEAPEST],
    ]);
    // Slow speech, so the caller can talk over the second sentence of the long answer.
    system.tts.setTiming({ msPerChar: 40 });
    const { caller, callSid } = await connectCall(system, { remote });

    const live = page.getByRole('article', { name: `Call with ${remote}` });
    await live.waitFor({ timeout: 30_000 });
    const turns = live.getByRole('list', { name: 'Transcript' }).getByRole('listitem');
    await eventually(
      'the greeting live',
      async () => (await live.textContent())?.includes('thanks for calling'),
      30_000,
    );
    const before = await count(turns);
    await checkAccessibility(page);

    await agentTurn(system, callSid, 0);
    await caller.say({ durationMs: 1200, seed: 7 });
    // Let the first sentence play in full, then barge in on the rest.
    await caller.waitUntil(() => caller.marks.some((m) => m.name === 't1c0' && m.reason === 'played'), 30_000);
    await eventually('the caller turn and the answer live', async () => (await count(turns)) > before, 30_000);
    expect(await live.textContent()).toContain('Tell me about your plans.');
    await caller.say({ durationMs: 900, seed: 8 });
    const interrupted = await agentTurn(system, callSid, 1);
    expect(interrupted.interrupted).toBe(true);
    await agentTurn(system, callSid, 2);
    await eventually('the last answer live', async () => (await live.textContent())?.includes(CHEAPEST), 30_000);
    await caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '20', SequenceNumber: '3' });
    // The finished call leaves the live list.
    await live.waitFor({ state: 'detached', timeout: 30_000 });
    system.tts.setTiming({ msPerChar: 25 });

    // Calls → the call (its link is the caller's number).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calls', exact: true }).click();
    await page.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
    const link = page.getByRole('table', { name: 'Calls' }).getByRole('link', { name: remote });
    await eventually(
      'the call in the list',
      async () => {
        if ((await link.count()) > 0) return true;
        await page.reload();
        await page.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
        return false;
      },
      30_000,
    );
    await checkAccessibility(page);
    await link.first().click();
    await withFailureScreenshot(page, 'call-page', () =>
      page.getByRole('heading', { name: `Call ${callSid}` }).waitFor(),
    ).catch((e: Error) => {
      throw new Error(`${e.message}\npage errors: ${browser.pageErrors.join('\n')}`);
    });

    const chart = page.getByRole('figure', { name: 'Latency per turn' });
    await withFailureScreenshot(page, 'call-page', () => chart.waitFor()).catch((e: Error) => {
      throw new Error(`${e.message}\npage errors: ${browser.pageErrors.join('\n')}`);
    });
    const parts = await chart.locator('svg title').allTextContents();
    for (const part of ['STT', 'LLM', 'TTS', 'Overhead']) expect(parts.join('\n')).toContain(part);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    const interruptedTurn = transcript.getByRole('listitem').filter({ hasText: 'We have three plans.' });
    expect(await interruptedTurn.textContent()).toMatch(/interrupted/i);
    expect(await interruptedTurn.textContent()).toMatch(/heard/i);
    // What was heard is shown; what was never played is not claimed as said.
    expect(await transcript.textContent()).toContain(CHEAPEST);
    const temporal = page.getByRole('link', { name: 'Open in Temporal' });
    expect(await temporal.getAttribute('href')).toMatch(/^http:\/\/localhost:8233\/namespaces\/default\/workflows\/.+/);
    await checkAccessibility(page);
    expect(browser.pageErrors).toEqual([]);
  });
});
