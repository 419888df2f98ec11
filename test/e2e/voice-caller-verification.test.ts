import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText, lastUserText, textReply, toolUseReply } from '../../devstack/emulators/anthropic';
import { AGENT_NUMBER, eventually, inboundSms, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

/** The words compared here are the agent's; a filler over a tool slowed by a busy machine is not what these tests are about. */
const NO_FILLER = { voice: { fillerAfterMs: 10_000 } };

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const ORDER = '5512-7730';
const SUMMARY = `Sam Rivera; order ${ORDER} ships Friday to 12 Elm Street.`;

/** What is stored about a number: an SMS conversation and a memory summary. */
async function seedMemory(system: TestSystem, remote: string): Promise<void> {
  await system.webhook('/twilio/messaging/inbound', inboundSms(remote, 'Hi, what about my order?'));
  await eventually('the SMS reply', () => system.twilio.sentMessages({ to: remote })[0]);
  const customer = await system.api('GET', `/customers/by-address/${encodeURIComponent(remote)}`);
  await new CustomerMemoryStore(system.db).save({
    customerId: String(customer.json.customerId),
    summary: SUMMARY,
    summarizedThrough: new Date(0),
  });
}

/** The model answers memory questions only from what its request holds. */
function scriptModel(system: TestSystem): void {
  system.anthropic.setResponder((request) => {
    const said = lastUserText(request);
    const knows = conversationText(request).includes(ORDER);
    if (/what about my order/.test(said)) return textReply(`Order ${ORDER} ships Friday.`);
    if (/Where is my order/.test(said))
      return textReply(knows ? `Order ${ORDER} ships Friday.` : 'I need to verify you first. Shall I text you a code?');
    if (/text me a code/.test(said)) return toolUseReply('send_verification_code', {}, { text: 'Sure.' });
    if (/code was texted/.test(said)) return textReply('Please read me the code.');
    const code = /My code is (\d{6})/.exec(said)?.[1];
    if (code) return toolUseReply('check_verification_code', { code }, { text: 'Checking.' });
    if (/^Verified/.test(said)) return textReply(knows ? `Thanks, Sam. Order ${ORDER} ships Friday.` : 'Thanks.');
    return textReply('Okay.');
  });
}

const randomPhone = () => `+1628${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;

describe('a caller whose number is not verified', () => {
  let system: TestSystem;
  const remote = randomPhone();

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING }, { voice: true, configFile: NO_FILLER });
    system.tts.setTiming({ msPerChar: 25 });
    scriptModel(system);
    await seedMemory(system, remote);
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function hangUp(call: LiveCall): Promise<void> {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  }

  it('hears none of the stored memory until they confirm a code texted to the number on file', async () => {
    const before = system.anthropic.requests.length;
    const call = await connectCall(system, { remote, stirVerstat: 'TN-Validation-Passed-C' });
    await agentTurn(system, call.callSid, 0);

    system.stt.script(['Where is my order?', 'Yes, text me a code.']);
    await call.caller.say({ durationMs: 1000, seed: 91 });
    expect((await agentTurn(system, call.callSid, 1)).text).toBe(
      'I need to verify you first. Shall I text you a code?',
    );
    const first = conversationText(system.anthropic.requests[before]!);
    expect(first).not.toContain(ORDER);
    expect(first).not.toContain('Elm Street');
    expect(first).not.toContain('what about my order');
    expect(first).toContain('identity is not confirmed');

    await call.caller.say({ durationMs: 1000, seed: 92 });
    expect((await agentTurn(system, call.callSid, 2)).text).toBe('Sure. Please read me the code.');
    const texts = system.twilio.sentMessages({ to: remote }).filter((m) => /verification code/.test(m.body));
    expect(texts).toHaveLength(1);
    expect(texts[0]!.from).toBe(AGENT_NUMBER);
    const code = /\b(\d{6})\b/.exec(texts[0]!.body)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    // Nothing the model heard so far holds the code, or the memory.
    const sofar = system.anthropic.requests.slice(before).map(conversationText).join('\n');
    expect(sofar).not.toContain(code);
    expect(sofar).not.toContain(ORDER);

    system.stt.script([`My code is ${code}.`]);
    await call.caller.say({ durationMs: 1000, seed: 93 });
    expect((await agentTurn(system, call.callSid, 3)).text).toBe(`Checking. Thanks, Sam. Order ${ORDER} ships Friday.`);
    // The request after the verified tool result holds the memory summary.
    const last = system.anthropic.requests.at(-1)!;
    expect(lastUserText(last)).toMatch(/^Verified/);
    expect(conversationText(last)).toContain(SUMMARY);
    // The text is in the caller's history, but never the code itself.
    const customer = await system.api('GET', `/customers/by-address/${encodeURIComponent(remote)}`);
    const history = await system.api('GET', `/customers/${String(customer.json.customerId)}/messages`);
    const messages = (history.json as { messages: Array<{ id: string; body: string }> }).messages;
    const recorded = messages.filter((m) => m.id.startsWith(`verify:${call.callSid}:`));
    expect(recorded.map((m) => m.body)).toEqual(['Your verification code is ******. It expires in 10 minutes.']);
    await hangUp(call);
  });

  it('an A-attested caller hears the memory at once', async () => {
    const before = system.anthropic.requests.length;
    const call = await connectCall(system, { remote, stirVerstat: 'TN-Validation-Passed-A' });
    await agentTurn(system, call.callSid, 0);
    system.stt.script(['Where is my order?']);
    await call.caller.say({ durationMs: 1000, seed: 94 });
    expect((await agentTurn(system, call.callSid, 1)).text).toBe(`Order ${ORDER} ships Friday.`);
    expect(conversationText(system.anthropic.requests[before]!)).toContain(SUMMARY);
    await hangUp(call);
  });
});

describe('voice.requireVerification', () => {
  let system: TestSystem;
  const remote = randomPhone();

  beforeAll(async () => {
    system = await startTestSystem(
      { VOICE_GREETING: GREETING, VOICE_REQUIRE_VERIFICATION: 'true' },
      { voice: true, configFile: NO_FILLER },
    );
    system.tts.setTiming({ msPerChar: 25 });
    scriptModel(system);
    await seedMemory(system, remote);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('an A-attested caller hears no memory either until verified', async () => {
    const before = system.anthropic.requests.length;
    const call = await connectCall(system, { remote, stirVerstat: 'TN-Validation-Passed-A' });
    await agentTurn(system, call.callSid, 0);
    system.stt.script(['Where is my order?']);
    await call.caller.say({ durationMs: 1000, seed: 95 });
    expect((await agentTurn(system, call.callSid, 1)).text).toBe(
      'I need to verify you first. Shall I text you a code?',
    );
    const first = conversationText(system.anthropic.requests[before]!);
    expect(first).not.toContain(ORDER);
    expect(first).toContain('identity is not confirmed');
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  });
});
