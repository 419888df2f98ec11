import { conversationText, lastUserText, textReply, toolUseReply } from '../../devstack/emulators/anthropic';
import { IdentityStore } from '../../src/customers/identity-store';
import { MessageStore } from '../../src/memory/message-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

const TRANSFER_TO = '+15005550123';
const SMS_SENDS = { method: 'POST', path: /\/Messages\.json$/ };

const prefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

/**
 * A tool's side effect happens once, whatever happens around it: the caller talking over the turn
 * while the tool runs, or Twilio acting on a request whose answer never arrives (the activity
 * retries). On the real stack: gateway, workflows, realtime worker, emulated Twilio and model.
 */
describe('tool side effects happen once', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_TRANSFER_NUMBER: TRANSFER_TO }, { voice: true });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function hangUp(call: LiveCall): Promise<void> {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  }

  it('a barge-in during a slow send_sms: one text, and the next request to the model holds what the tool did', async () => {
    const remote = uniquePhone();
    const ADDRESS = 'Beluga HQ: 1 Harbour Way, San Francisco';
    system.stt.script(['Can you text me the address?', 'Hello? Did you send it?']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      // The model texts again unless its context says it already did: what happens when a tool's result is lost.
      if (/text me the address|Did you send it/.test(said))
        return conversationText(request).includes('Text sent to')
          ? textReply('Yes, the address is on its way to your phone.')
          : toolUseReply('send_sms', { message: ADDRESS }, { text: 'Sure.' });
      if (/Text sent to/.test(said)) return textReply('Done.');
      return textReply('Okay.');
    });
    // Twilio takes its time: the caller talks again before the text is out.
    const slowSends = system.twilio.faults.latency(4000, SMS_SENDS);
    try {
      const call = await connectCall(system, { remote });
      await agentTurn(system, call.callSid, 0);
      const requestsBefore = system.anthropic.requests.length;
      await call.caller.say({ durationMs: 1100, seed: 301 });
      await eventually('the text on its way to Twilio', () =>
        system.twilio.requestsMatching(SMS_SENDS).some((r) => r.params.To === remote),
      );
      await call.caller.say({ durationMs: 1000, seed: 302 });

      const next = await agentTurn(system, call.callSid, 2, 30_000);
      expect(next.text).toBe('Yes, the address is on its way to your phone.');
      expect(system.twilio.sentMessages({ to: remote }).map((m) => m.body)).toEqual([ADDRESS]);
      // The caller's second question reached the model only after the text went out, with its note.
      const asked = system.anthropic.requests
        .slice(requestsBefore)
        .filter((r) => /Did you send it/.test(lastUserText(r)));
      expect(asked).toHaveLength(1);
      expect(conversationText(asked[0]!)).toContain(`(send_sms: Text sent to ${remote}.)`);
      // The interrupted turn was not asked to go on after its tool.
      expect(
        system.anthropic.requests.slice(requestsBefore).filter((r) => /Text sent to/.test(lastUserText(r))),
      ).toEqual([]);
      await hangUp(call);
    } finally {
      slowSends.remove();
    }
  });

  it("send_sms on a call whose first attempt's answer is lost: retried, one text", async () => {
    const remote = uniquePhone();
    system.stt.script(['Please text me my booking reference.']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/booking reference/.test(said))
        return toolUseReply('send_sms', { message: 'Booking reference: BX-1234' }, { text: 'Sure.' });
      if (/Text sent to/.test(said)) return textReply('Sent.');
      return textReply(`Something else: ${said}`);
    });
    const lost = system.twilio.faults.failNext(1, 'lose-response', SMS_SENDS);
    const call = await connectCall(system, { remote });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 311 });
    expect((await agentTurn(system, call.callSid, 1)).text).toMatch(/^Sure\. .*Sent\.$/);
    expect(lost.fired).toBe(1);
    const [sms, ...again] = system.twilio.sentMessages({ to: remote });
    expect(again).toEqual([]);
    expect(sms).toMatchObject({ from: AGENT_NUMBER, body: 'Booking reference: BX-1234' });
    // The retry found the text at Twilio and recorded its sid on the message.
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, remote);
    const recorded = (await new MessageStore(system.db).recent(customerId, 20)).find((m) =>
      m.id.startsWith(`sms:${call.callSid}:`),
    );
    expect(recorded?.twilioSid).toBe(sms!.sid);
    await hangUp(call);
  });

  it('transfer_call whose answer is lost: retried, the caller is dialled through once', async () => {
    const remote = uniquePhone();
    system.stt.script(['Put me through to a person.']);
    system.anthropic.setResponder((request) =>
      /through to a person/.test(lastUserText(request))
        ? toolUseReply('transfer_call', { reason: 'caller asked' }, { text: 'Transferring you now.' })
        : textReply('Okay.'),
    );
    const call = await connectCall(system, { remote });
    const lost = system.twilio.faults.failNext(1, 'lose-response', {
      method: 'POST',
      path: new RegExp(`/Calls/${call.callSid}\\.json$`),
    });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 321 });
    await eventually('the dialled leg', () => system.twilio.dialledLegs(call.callSid).length > 0);
    await agentTurn(system, call.callSid, 1);
    expect(lost.fired).toBe(1);
    expect(system.twilio.dialledLegs(call.callSid).map((leg) => leg.to)).toEqual([TRANSFER_TO]);
    expect(system.twilio.callModifications(call.callSid).filter((m) => m.twiml?.includes('<Dial'))).toHaveLength(1);
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
    expect(result.outcome).toBe('transferred');
  });

  it("send_sms in an SMS conversation whose first attempt's answer is lost: retried, one text", async () => {
    const from = uniquePhone();
    const LINK = 'Track your order: https://beluga.example/t/77';
    system.anthropic.setResponder((request) =>
      /Text sent to/.test(lastUserText(request))
        ? textReply('I sent the tracking link in a separate text.')
        : toolUseReply('send_sms', { message: LINK }),
    );
    const lost = system.twilio.faults.failNext(1, 'lose-response', SMS_SENDS);
    const inbound = inboundSms(from, 'Can you send me the tracking link on its own?');
    await system.webhook('/twilio/messaging/inbound', inbound);
    await eventually(
      'the reply',
      () => system.twilio.sentMessages({ to: from }).some((m) => m.body.startsWith('I sent')),
      30_000,
    );
    expect(lost.fired).toBe(1);
    expect(system.twilio.sentMessages({ to: from }).map((m) => m.body)).toEqual([
      LINK,
      'I sent the tracking link in a separate text.',
    ]);
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const history = await new MessageStore(system.db).recent(customerId, 20);
    const tool = history.find((m) => m.id.startsWith(`sms:${String(inbound.MessageSid)}:`));
    expect(tool).toMatchObject({ body: LINK, twilioSid: system.twilio.sentMessages({ to: from })[0]!.sid });
  });
});
