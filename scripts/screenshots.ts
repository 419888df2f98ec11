// `npm run screenshots`: starts a test system with sample data (a finished call with a barge-in, a call in
// progress, text conversations, agents, a knowledge base), signs in through the console in Debian's chromium
// and saves docs/console/{live,calls,call,customer,agents,knowledge}.png at 1280x800.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ensureChromium } from '../devstack/chromium';
import { IdentityStore } from '../src/customers/identity-store';
import { textReply, lastUserText } from '../devstack/emulators/anthropic';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { launchBrowser, saveScreenshot, type TestBrowser } from '../test/harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../test/harness/console';
import { createOperator } from '../test/harness/operators';
import {
  OPERATOR_KEY,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../test/harness/system';
import { agentTurn, callStatus, connectCall } from '../test/harness/voice';

const OUT = path.join(__dirname, '..', 'docs', 'console');
const log = (line: string) => process.stdout.write(`[screenshots] ${line}\n`);

async function sampleData(
  system: TestSystem,
): Promise<{ callSid: string; customerId: string; live: () => Promise<void> }> {
  await system.api('PUT', '/agents/support', {
    name: 'Support',
    instructions: 'You are the support agent of Beluga Telephony. Answer briefly and kindly.',
    greeting: 'Hi, thanks for calling Beluga. How can I help?',
    voice: { voiceId: 'voice-support' },
  });
  const base = await system.api('POST', '/knowledge-bases', { name: 'Help center', accountSid: TEST_ACCOUNT_SID });
  const kb = String(base.json.id);
  for (const [file, text] of [
    ['refunds.md', '# Refunds\n\nRefunds are paid within 14 days to the original card.\n'],
    ['shipping.md', '# Shipping\n\nStandard parcels arrive in 3 to 5 working days; express the next day.\n'],
  ] as const)
    await fetch(`${system.gatewayUrl}/api/knowledge-bases/${kb}/documents?filename=${file}`, {
      method: 'POST',
      headers: { 'x-api-key': OPERATOR_KEY, 'content-type': 'text/markdown' },
      body: text,
    });

  system.anthropic.setResponder((request) => {
    const said = lastUserText(request);
    if (/plans/i.test(said))
      return textReply(
        'We have three plans. The basic plan costs ten dollars a month. The standard plan costs twenty dollars and adds messaging. The premium plan adds everything else.',
      );
    if (/cheapest/i.test(said)) return textReply('The basic plan is ten dollars a month.');
    if (/refund/i.test(said)) return textReply('Refunds are paid within 14 days to your card.');
    if (/deliver|parcel/i.test(said)) return textReply('Standard parcels arrive in 3 to 5 working days.');
    return textReply('Happy to help.');
  });
  const texters = ['+15550250901', '+15550250902', '+15550250903'];
  const texts = ['Hi, where is my refund?', 'When will my parcel be delivered?', 'Can I change my address?'];
  for (const [i, from] of texters.entries()) {
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, texts[i]!));
    await eventually('the reply', () => system.twilio.sentMessages({ to: from })[0], 30_000);
  }
  const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, texters[0]!))!;

  // A finished call: a question, a barge-in on the long answer, a follow-up.
  system.tts.setTiming({ msPerChar: 40 });
  system.stt.script(['Tell me about your plans.', 'Stop, just the cheapest one please.']);
  const done = await connectCall(system, { remote: '+15550250911' });
  await agentTurn(system, done.callSid, 0);
  await done.caller.say({ durationMs: 1200, seed: 7 });
  await done.caller.waitUntil(() => done.caller.marks.some((m) => m.name === 't1c0' && m.reason === 'played'), 30_000);
  await done.caller.say({ durationMs: 900, seed: 8 });
  await agentTurn(system, done.callSid, 2);
  await done.caller.hangup();
  await callStatus(system, done.callSid, 'completed', { CallDuration: '24', SequenceNumber: '3' });

  // A call still in progress for the Live page.
  system.stt.script(['Hi, I would like to know when my parcel will be delivered.']);
  const live = await connectCall(system, { remote: '+15550250912' });
  await agentTurn(system, live.callSid, 0);
  await live.caller.say({ durationMs: 1200, seed: 9 });
  await agentTurn(system, live.callSid, 1);
  return { callSid: done.callSid, customerId, live: async () => void (await live.caller.hangup()) };
}

async function shoot(page: Page, gatewayUrl: string, consolePath: string, heading: string, name: string) {
  await page.goto(`${gatewayUrl}/console${consolePath}`);
  await page.getByRole('heading', { name: heading }).first().waitFor({ timeout: 30_000 });
  // Lists and charts load after the heading.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(1500);
  const file = path.join(OUT, `${name}.png`);
  await saveScreenshot(page, file);
  log(`saved ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  requireBuiltConsole();
  await ensureChromium(log);
  await globalSetup();
  let system: TestSystem | undefined;
  let browser: TestBrowser | undefined;
  try {
    system = await startTestSystem(
      { VOICE_GREETING: 'Hi, thanks for calling Beluga. How can I help?' },
      { voice: true },
    );
    const admin = await createOperator(system, { name: 'Ada Admin', role: 'admin' });
    log('sample data...');
    const sample = await sampleData(system);
    browser = await launchBrowser();
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, admin);
    await shoot(page, system.gatewayUrl, '/live', 'Live calls', 'live');
    await sample.live();
    await shoot(page, system.gatewayUrl, '/calls', 'Calls', 'calls');
    await shoot(page, system.gatewayUrl, `/calls/${sample.callSid}`, `Call ${sample.callSid}`, 'call');
    await shoot(
      page,
      system.gatewayUrl,
      `/customers/${sample.customerId}`,
      `Customer ${sample.customerId}`,
      'customer',
    );
    await shoot(page, system.gatewayUrl, '/agents/support', 'Support', 'agents');
    await shoot(page, system.gatewayUrl, '/knowledge', 'Knowledge', 'knowledge');
  } finally {
    await browser?.close();
    await system?.stop();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[screenshots] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
