import type { Locator, Page } from 'playwright-core';
import { conversationText, lastUserText, textReply } from '../../devstack/emulators/anthropic';
import { IdentityStore } from '../../src/customers/identity-store';
import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchBrowser, type TestBrowser } from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, type TestOperator } from '../harness/operators';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const CUSTOMER = '+15550250301';
const HUMAN_REPLY = 'Hi Sam, this is Ada from Beluga. Your refund went out today.';

/** Presses Tab until `target` has the focus (the keyboard is the only input used). */
async function tabTo(page: Page, target: Locator, maxTabs = 60): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    const focused = await target.evaluate(
      (el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
    );
    if (focused) return;
  }
  throw new Error(`${String(target)} never got the focus in ${maxTabs} presses of Tab`);
}

/** An operator pauses the agent for a customer, replies as the business and hands back, with the keyboard only. */
describe('human takeover (browser, keyboard only)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let operator: TestOperator;

  beforeAll(async () => {
    requireBuiltConsole();
    [system, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
    operator = await createOperator(system, { name: 'Ada Operator', role: 'agent' });
    system.anthropic.setResponder((request) =>
      textReply(/refund/i.test(lastUserText(request)) ? 'Let me check your refund.' : 'Happy to help.'),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('pause, reply as the business (the customer gets it; the model is not asked), hand back', async () => {
    await system.webhook('/twilio/messaging/inbound', inboundSms(CUSTOMER, 'Where is my refund?'));
    await eventually('the agent answering', () => system.twilio.sentMessages({ to: CUSTOMER })[0], 30_000);
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, CUSTOMER))!;

    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, operator);
    await page.goto(`${system.gatewayUrl}/console/customers/${customerId}`);
    await page.getByRole('heading', { name: `Customer ${customerId}` }).waitFor();
    await page.getByText('Agent active').first().waitFor();
    await checkAccessibility(page);

    await tabTo(page, page.getByRole('button', { name: 'Pause agent' }));
    await page.keyboard.press('Enter');
    await page.getByText('Agent paused').first().waitFor({ timeout: 30_000 });
    await checkAccessibility(page);
    const modelRequests = system.anthropic.requests.length;
    const sentBefore = system.twilio.sentMessages({ to: CUSTOMER }).length;

    // The customer writes while the agent is paused: nobody automatic answers.
    await system.webhook('/twilio/messaging/inbound', inboundSms(CUSTOMER, 'Hello? Anyone there about the refund?'));
    await page.getByRole('list', { name: 'History' }).getByText('Anyone there').first().waitFor({ timeout: 30_000 });

    await tabTo(page, page.getByRole('textbox', { name: 'Reply as the business' }));
    await page.keyboard.type(HUMAN_REPLY);
    await tabTo(page, page.getByRole('button', { name: 'Send reply' }));
    await page.keyboard.press('Enter');
    const sent = await eventually(
      "the operator's reply at Twilio",
      () => system.twilio.sentMessages({ to: CUSTOMER }).find((m) => m.body === HUMAN_REPLY),
      30_000,
    );
    expect(sent.from).toBe(AGENT_NUMBER);
    await page.getByRole('list', { name: 'History' }).getByText(HUMAN_REPLY).first().waitFor({ timeout: 30_000 });
    await checkAccessibility(page);
    // Only the person's reply went out, and the model was never asked while paused.
    expect(
      system.twilio
        .sentMessages({ to: CUSTOMER })
        .slice(sentBefore)
        .map((m) => m.body),
    ).toEqual([HUMAN_REPLY]);
    expect(system.anthropic.requests.length).toBe(modelRequests);

    await tabTo(page, page.getByRole('button', { name: 'Hand back to agent' }));
    await page.keyboard.press('Enter');
    await page.getByText('Agent active').first().waitFor({ timeout: 30_000 });
    await checkAccessibility(page);

    // Back with the agent: the next message is answered, with the person's reply in the model's context.
    await system.webhook('/twilio/messaging/inbound', inboundSms(CUSTOMER, 'Thanks! And my refund amount?'));
    const request = await eventually(
      'the model asked again',
      () => system.anthropic.requests.slice(modelRequests).find((r) => /refund amount/.test(lastUserText(r))),
      30_000,
    );
    expect(conversationText(request)).toContain(HUMAN_REPLY);
    expect(browser.pageErrors).toEqual([]);
  });
});
