import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText, lastUserText, textReply, toolUseReply } from '../../devstack/emulators/anthropic';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { AGENT_NUMBER, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

/** The words compared here are the agent's; a filler over a tool slowed by a busy machine is not what these tests are about. */
const NO_FILLER = { voice: { fillerAfterMs: 10_000 } };

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const ORDER = '8806-4417';

describe('callers who withhold their number', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING }, { voice: true, configFile: NO_FILLER });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  /** A call at "Twilio" whose caller ID reaches us as `from` (the emulator only places calls between real numbers). */
  async function withheldCall(from: string): Promise<LiveCall> {
    const account = system.config.get().twilio.accounts[0]!;
    const rest = createTwilioClient({
      accountSid: account.accountSid,
      authToken: account.authToken,
      apiBaseUrl: account.apiBaseUrl,
      timeoutMs: 5000,
    });
    const placeholderSource = `+1628555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const { sid } = await rest.calls.create({
      to: AGENT_NUMBER,
      from: placeholderSource,
      twiml: '<Response><Pause length="600"/></Response>',
    });
    return connectCall(system, { remote: from, callSid: sid });
  }

  async function hangUp(call: LiveCall): Promise<void> {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  }

  it('share nothing: the second caller gets a fresh customer, an empty memory and no text', async () => {
    system.stt.script([`My order number is ${ORDER}.`, 'Do you know my order number?', 'Can you text it to me?']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/My order number is/.test(said)) return textReply('Thanks, I have noted it.');
      if (/Do you know my order number/.test(said))
        return textReply(conversationText(request).includes(ORDER) ? `It is ${ORDER}.` : 'I do not have it, sorry.');
      if (/text it to me/.test(said)) return toolUseReply('send_sms', { message: `Order ${ORDER}` }, { text: 'Sure.' });
      if (/withheld/.test(said)) return textReply('I cannot text a withheld number, sorry.');
      return textReply('Okay.');
    });

    const first = await withheldCall('anonymous');
    await agentTurn(system, first.callSid, 0);
    await first.caller.say({ durationMs: 1000, seed: 81 });
    expect((await agentTurn(system, first.callSid, 1)).text).toBe('Thanks, I have noted it.');
    await hangUp(first);

    const before = system.anthropic.requests.length;
    const second = await withheldCall('anonymous');
    await agentTurn(system, second.callSid, 0);
    await second.caller.say({ durationMs: 1000, seed: 82 });
    expect((await agentTurn(system, second.callSid, 1)).text).toBe('I do not have it, sorry.');

    // The second call's first model request knows nothing of the first call.
    const firstRequestOfSecond = system.anthropic.requests.slice(before)[0]!;
    const seen = conversationText(firstRequestOfSecond);
    expect(seen).not.toContain(ORDER);
    expect(seen).not.toContain('Thanks, I have noted it.');
    expect(seen).not.toContain('pick up where you left off');
    expect(seen).not.toMatch(/phone number is anonymous/i);
    expect(seen).toContain('withheld their phone number');

    // Two customers, each of one call; the placeholder itself belongs to nobody.
    expect(first.parameters.customerId).toBeTruthy();
    expect(second.parameters.customerId).toBeTruthy();
    expect(second.parameters.customerId).not.toBe(first.parameters.customerId);
    expect((await new CallStore(system.db).get(first.callSid))?.customerId).toBe(first.parameters.customerId);
    expect((await system.api('GET', '/customers/by-address/anonymous')).status).toBe(404);
    const ofFirstCall = await system.api('GET', `/customers/by-address/${encodeURIComponent(`call:${first.callSid}`)}`);
    expect(ofFirstCall.json.customerId).toBe(first.parameters.customerId);

    // A text to a withheld number is refused with a clear tool result, and nothing is sent.
    await second.caller.say({ durationMs: 1000, seed: 83 });
    expect((await agentTurn(system, second.callSid, 2)).text).toBe('Sure. I cannot text a withheld number, sorry.');
    expect(system.twilio.sentMessages({ to: 'anonymous' })).toEqual([]);
    await hangUp(second);
    expect((await new CallStore(system.db).get(second.callSid))?.customerId).toBe(second.parameters.customerId);
  });

  it("Twilio's keypad spelling of a withheld number is withheld too", async () => {
    system.anthropic.setResponder(() => textReply('Hello, how can I help?'));
    const calls = [await withheldCall('+266696687'), await withheldCall('+266696687')];
    for (const call of calls) await agentTurn(system, call.callSid, 0);
    expect(calls[0]!.parameters.customerId).not.toBe(calls[1]!.parameters.customerId);
    expect((await system.api('GET', `/customers/by-address/${encodeURIComponent('+266696687')}`)).status).toBe(404);
    for (const call of calls) await hangUp(call);
  });
});
