import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { MessageStore } from '../../src/memory/message-store';
import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText, lastUserText, textReply, toolUseReply } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { withConnectionOverrides } from '../../src/telephony/twilio/connection-overrides';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { maybeRecordHistory } from '../harness/history-fixtures';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

const phonePrefix = `+1628${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const TRANSFER_TO = '+15005550123';
const FALLBACK = "Sorry, I'm having trouble on my end. Could you say that again?";

/** The model: answers by rules on what the caller last said, looking at the whole call for memory questions. */
function scriptModel(system: TestSystem, rules: Array<[RegExp, (request: RecordedRequest) => string]>): void {
  system.anthropic.setResponder((request) => {
    const said = lastUserText(request);
    for (const [pattern, answer] of rules) if (pattern.test(said)) return textReply(answer(request));
    return textReply('Okay.');
  });
}

describe('voice calls', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING, VOICE_TRANSFER_NUMBER: TRANSFER_TO }, { voice: true });
    // Shorter synthetic speech keeps the suite quick; playback is still real time.
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('greets, holds three turns with memory of the first, records the call, and a later SMS remembers it', async () => {
    const remote = uniquePhone();
    system.stt.script([
      'My order number is 4521.',
      'Can you check the shipping status?',
      'What was my order number again?',
    ]);
    scriptModel(system, [
      [/order number is/i, () => 'Thanks, I have your order. What would you like to know?'],
      [/shipping/i, () => 'It ships tomorrow morning.'],
      [
        /order number again/i,
        (r) =>
          conversationText(r).includes('4521') ? 'Your order number is 4521.' : 'I do not know your order number.',
      ],
      [
        /what did I order|my order/i,
        (r) =>
          conversationText(r).includes('4521')
            ? 'You called about order 4521; it ships tomorrow.'
            : 'I have no order on file.',
      ],
    ]);
    const { caller, callSid } = await connectCall(system, { remote });
    expect((await agentTurn(system, callSid, 0)).text).toBe(GREETING);
    for (const [turnId, ms] of [
      [1, 1400],
      [2, 1200],
      [3, 1300],
    ] as const) {
      await caller.say({ durationMs: ms, seed: turnId });
      await agentTurn(system, callSid, turnId);
    }
    await caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '12', SequenceNumber: '3' });

    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    expect(result).toEqual({ outcome: 'completed', turns: 7 });
    maybeRecordHistory(callWorkflowId(callSid), 'call-workflow');
    const record = (await new CallStore(system.db).get(callSid))!;
    expect(record).toMatchObject({
      outcome: 'completed',
      finalStatus: 'completed',
      durationSeconds: 12,
      remote,
      local: AGENT_NUMBER,
      endReason: 'stop',
    });
    expect(record.turns.map((t) => [t.turnId, t.role, t.text])).toEqual([
      [0, 'agent', GREETING],
      [1, 'caller', 'My order number is 4521.'],
      [1, 'agent', 'Thanks, I have your order. What would you like to know?'],
      [2, 'caller', 'Can you check the shipping status?'],
      [2, 'agent', 'It ships tomorrow morning.'],
      [3, 'caller', 'What was my order number again?'],
      [3, 'agent', 'Your order number is 4521.'],
    ]);
    for (const turn of record.turns.filter((t) => t.role === 'agent' && t.turnId > 0)) {
      expect(turn.latency).toBeDefined();
      expect(turn.latency!.endOfSpeechToFirstAudioMs).toBeGreaterThan(0);
    }
    // The caller heard exactly those words: the audio that reached them came from those TTS requests.
    expect(caller.playbackGaps().length).toBe(0);
    const ended = (await new EventLog(system.db).list({ type: 'call.ended' }, 500)).find(
      (e) => e.data.callSid === callSid,
    );
    expect(ended?.data).toMatchObject({ outcome: 'completed', turns: 7 });

    // The latency of each reply is exported as metrics by the realtime worker.
    const metrics = await (await fetch(`${system.realtimeUrl}/metrics`)).text();
    const count = Number(/beluga_voice_turn_latency_ms_count\{[^}]*part="total"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/beluga_voice_turn_latency_ms_bucket\{[^}]*part="overhead"/);

    // The transcript is searchable (operator API), and points back at the call.
    const search = await system.api(
      'GET',
      `/transcripts/search?q=${encodeURIComponent('order number is 4521')}&customerId=${encodeURIComponent(record.customerId!)}`,
    );
    expect(search.status).toBe(200);
    // Newest first: the agent's answer in turn 3, then the caller's words in turn 1.
    expect(search.json.hits).toEqual([
      expect.objectContaining({ channel: 'voice', direction: 'outbound', body: 'Your order number is 4521.', callSid }),
      expect.objectContaining({ channel: 'voice', direction: 'inbound', body: 'My order number is 4521.', callSid }),
    ]);
    expect((await system.api('GET', '/transcripts/search?q=x')).status).toBe(400);

    // Days later, by SMS: the agent remembers the call.
    await system.webhook('/twilio/messaging/inbound', inboundSms(remote, 'Hi again, what about my order?'));
    const reply = await eventually('the SMS reply', () => system.twilio.sentMessages({ to: remote })[0]);
    expect(reply.body).toBe('You called about order 4521; it ships tomorrow.');
  });

  it('barge-in: clears Twilio, sends nothing more of the interrupted turn, and keeps only what was heard', async () => {
    const remote = uniquePhone();
    const LONG =
      'We have three plans. The basic plan costs ten dollars a month and includes all your calls. The standard plan costs twenty dollars a month and adds unlimited messaging. The premium plan costs thirty dollars and adds everything else we offer. Let me know which one you like.';
    system.stt.script(['Tell me about your plans.', 'Stop, just the cheapest one please.']);
    scriptModel(system, [
      [/plans/i, () => LONG],
      [/cheapest/i, () => 'The basic plan is ten dollars a month.'],
    ]);
    system.tts.setTiming({ msPerChar: 40 });
    try {
      const { caller, callSid } = await connectCall(system, { remote });
      await agentTurn(system, callSid, 0);
      const requestsBefore = system.tts.requests.length;
      await caller.say({ durationMs: 1200, seed: 7 });
      // Let the first sentence play in full, then talk over the second.
      await caller.waitUntil(() => caller.marks.some((m) => m.name === 't1c0' && m.reason === 'played'), 20_000);
      await caller.say({ durationMs: 900, seed: 8 });
      const interrupted = await agentTurn(system, callSid, 1);
      await agentTurn(system, callSid, 2);

      expect(caller.clears).toHaveLength(1);
      const clearedAt = caller.clears[0]!;
      const turnOneRequests = system.tts.requests
        .filter((r) => r.index >= requestsBefore && LONG.includes(r.text))
        .map((r) => r.index);
      expect(turnOneRequests.length).toBeGreaterThan(1);
      // No byte of the interrupted reply reached "Twilio" after the clear.
      const lateTurnOneAudio = caller.media
        .filter((m) => m.at > clearedAt)
        .flatMap((m) => system.tts.identify(m.bytes))
        .filter((k) => turnOneRequests.includes(k));
      expect(lateTurnOneAudio).toEqual([]);
      // Only what was heard is kept: the first sentence (and maybe the start of the second), never the rest.
      expect(interrupted.interrupted).toBe(true);
      expect(interrupted.text.startsWith('We have three plans.')).toBe(true);
      expect(interrupted.text).not.toContain('premium');
      expect(interrupted.text).not.toContain('Let me know');
      const next = system.anthropic.requests.find((r) => lastUserText(r).includes('cheapest'))!;
      const context = conversationText(next);
      expect(context).toContain('We have three plans.');
      expect(context).not.toContain('premium');
      expect(context).not.toContain('twenty dollars');
      await caller.hangup();
    } finally {
      system.tts.setTiming({ msPerChar: 25 });
    }
  });

  it('a cough while the agent speaks is not a barge-in', async () => {
    const remote = uniquePhone();
    const { caller, callSid } = await connectCall(system, { remote });
    await caller.waitUntil(() => caller.played.length > 0, 10_000);
    const { cough } = await import('../../devstack/emulators/audio');
    await caller.say(cough(3));
    const greeting = await agentTurn(system, callSid, 0);
    expect(greeting).toMatchObject({ text: GREETING });
    expect(greeting.interrupted).toBeUndefined();
    expect(caller.clears).toHaveLength(0);
    await caller.hangup();
  });

  it('passes keypad input to the agent and records it', async () => {
    const remote = uniquePhone();
    scriptModel(system, [[/keypad: 4 2 #/, () => 'You entered 42.']]);
    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    for (const digit of ['4', '2', '#']) caller.dtmf(digit);
    const reply = await agentTurn(system, callSid, 1);
    expect(reply.text).toBe('You entered 42.');
    await caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle(callWorkflowId(callSid)).result();
    const record = (await new CallStore(system.db).get(callSid))!;
    expect(record.dtmf).toEqual(['42#']);
    expect(record.turns.find((t) => t.role === 'caller')).toMatchObject({
      source: 'dtmf',
      text: '(The caller pressed the keypad: 4 2 #)',
    });
  });

  it('transfers to a person through the call workflow, updating the live call at Twilio', async () => {
    const remote = uniquePhone();
    system.stt.script(['I want to speak to a person.']);
    system.anthropic.setResponder((request) =>
      /speak to a person/.test(lastUserText(request))
        ? toolUseReply(
            'transfer_call',
            { reason: 'caller asked for a person' },
            { text: 'Sure, let me transfer you now.' },
          )
        : textReply('Okay.'),
    );
    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    await caller.say({ durationMs: 1100, seed: 21 });
    await eventually('the transfer at Twilio', () =>
      system.twilio.callModifications(callSid).find((m) => m.twiml?.includes('<Dial')),
    );
    const [transfer] = system.twilio.callModifications(callSid);
    expect(transfer!.twiml).toContain(`${TRANSFER_TO}</Dial>`);
    // Twilio leaves <Connect><Stream> for the <Dial>: the stream stops, the call completes later.
    await caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    expect(result.outcome).toBe('transferred');
    maybeRecordHistory(callWorkflowId(callSid), 'call-workflow');
    expect((await agentTurn(system, callSid, 1)).text).toBe('Sure, let me transfer you now.');
  });

  it('texts the caller through the call workflow (a filler covers the slow send) and hangs up after saying goodbye', async () => {
    const remote = uniquePhone();
    const FILLER = 'One moment while I take care of that.';
    system.stt.script(['Can you text me the address?', 'No, that is all, thanks.']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/text me the address/.test(said))
        return toolUseReply('send_sms', { message: 'Beluga HQ: 1 Harbour Way, San Francisco' }, { text: 'Sure.' });
      if (/Text sent to/.test(said)) return textReply('Done, I sent it to your phone.');
      if (/that is all/.test(said)) return toolUseReply('end_call', {}, { text: 'Thanks for calling, goodbye!' });
      return textReply('Okay.');
    });
    const slowSends = system.twilio.faults.latency(1200, { method: 'POST', path: /Messages\.json$/ });
    try {
      const { caller, callSid } = await connectCall(system, { remote });
      await agentTurn(system, callSid, 0);
      await caller.say({ durationMs: 1100, seed: 71 });
      const texted = await agentTurn(system, callSid, 1);
      expect(texted.text).toBe(`Sure. ${FILLER} Done, I sent it to your phone.`);
      expect(system.twilio.sentMessages({ to: remote }).map((m) => [m.from, m.body])).toEqual([
        [AGENT_NUMBER, 'Beluga HQ: 1 Harbour Way, San Francisco'],
      ]);
      // The one path every text takes: with a status callback, and in the caller's history.
      const [sms] = system.twilio.sentMessages({ to: remote });
      expect(sms!.statusCallback).toMatch(/\/twilio\/messaging\/status\?belugaKey=sms%3ACA\w+%3A[^#]+#ct=/);
      expect(sms!.statusCallback!.startsWith(`${PUBLIC_URL}/twilio/messaging/status?`)).toBe(true);
      const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, remote);
      const history = await new MessageStore(system.db).recent(customerId, 50);
      const recorded = history.find((m) => m.twilioSid === sms!.sid);
      expect(recorded?.id.startsWith(`sms:${callSid}:`)).toBe(true);
      expect(recorded).toMatchObject({
        direction: 'outbound',
        channel: 'sms',
        from: AGENT_NUMBER,
        to: remote,
        body: 'Beluga HQ: 1 Harbour Way, San Francisco',
      });

      await caller.say({ durationMs: 1100, seed: 72 });
      await eventually('the hang-up at Twilio', () =>
        system.twilio.callModifications(callSid).find((m) => m.status === 'completed'),
      );
      // The goodbye was heard in full before the call was ended.
      const goodbye = await agentTurn(system, callSid, 2);
      expect(goodbye).toMatchObject({ text: 'Thanks for calling, goodbye!' });
      expect(goodbye.interrupted).toBeUndefined();
      const hangUpAt = system.twilio
        .callModifications(callSid)
        .find((m) => m.status === 'completed')!
        .at.getTime();
      const goodbyeMark = caller.marks.find((m) => m.name === 't2c0')!;
      expect(goodbyeMark.reason).toBe('played');
      expect(hangUpAt).toBeGreaterThanOrEqual(Math.floor(performance.timeOrigin + goodbyeMark.at) - 50);
      await caller.hangup();
      await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
      const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
      expect(result.outcome).toBe('agent_ended');
      maybeRecordHistory(callWorkflowId(callSid), 'call-workflow');
    } finally {
      slowSends.remove();
    }
  });

  it('places an outbound call through the operator API and runs the same loop, with the callee as the customer', async () => {
    const remote = uniquePhone();
    system.stt.script(['Yes, this is a good time.', 'Please text me the renewal details.']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/good time/i.test(said)) return textReply('Great, I am calling about your renewal.');
      if (/text me the renewal/i.test(said))
        return toolUseReply('send_sms', { message: 'Renewal: 12 months, due June 1.' }, { text: 'Sure.' });
      if (/Text sent to/.test(said)) return textReply('Sent to your phone.');
      return textReply('Okay.');
    });
    const placed = await system.api('POST', '/calls', { to: remote });
    expect(placed.status).toBe(201);
    const callSid = String(placed.json.callSid);
    const [created] = system.twilio.createdCalls({ to: remote });
    expect(created).toMatchObject({
      sid: callSid,
      from: AGENT_NUMBER,
      // Not recorded (voice.record is off): the answer URL says so, for the recording announcement.
      url: withConnectionOverrides('https://beluga-test.example.com/twilio/voice/incoming?recorded=false'),
      statusCallback: withConnectionOverrides('https://beluga-test.example.com/twilio/voice/status'),
    });
    // When the callee answers, Twilio fetches the TwiML and opens the stream.
    const { caller, parameters } = await connectCall(system, { remote, direction: 'outbound-api', callSid });
    expect((await agentTurn(system, callSid, 0)).text).toBe(GREETING);
    await caller.say({ durationMs: 1000, seed: 31 });
    expect((await agentTurn(system, callSid, 1)).text).toBe('Great, I am calling about your renewal.');

    // The callee is the customer (not our own number, From on a call we place).
    const byAddress = await system.api('GET', `/customers/by-address/${encodeURIComponent(remote)}`);
    expect(byAddress.status).toBe(200);
    const customerId = String(byAddress.json.customerId);
    expect(parameters.customerId).toBe(customerId);
    expect(customerId).not.toBe(await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, AGENT_NUMBER));
    const [firstRequest] = system.anthropic.requests.filter((r) => /good time/i.test(lastUserText(r)));
    const prompt = conversationText(firstRequest!);
    expect(prompt).toContain(`The phone number of the person you called is ${remote}.`);
    expect(prompt).not.toContain(AGENT_NUMBER);

    // send_sms texts the callee from our number, into the callee's history.
    await caller.say({ durationMs: 1000, seed: 32 });
    expect((await agentTurn(system, callSid, 2)).text).toBe('Sure. Sent to your phone.');
    expect(system.twilio.sentMessages({ to: remote }).map((m) => [m.from, m.body])).toEqual([
      [AGENT_NUMBER, 'Renewal: 12 months, due June 1.'],
    ]);
    expect(system.twilio.sentMessages({ to: AGENT_NUMBER }).filter((m) => m.body.startsWith('Renewal'))).toEqual([]);
    const history = await new MessageStore(system.db).recent(customerId, 50);
    expect(history.map((m) => m.body)).toContain('Renewal: 12 months, due June 1.');

    await caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    expect(await new CallStore(system.db).get(callSid)).toMatchObject({
      customerId,
      remote,
      local: AGENT_NUMBER,
      direction: 'outbound-api',
    });
    expect((await system.api('POST', '/calls', { to: '555-0100' })).status).toBe(400);
  });

  it('announces the recording to the callee first when an outbound call is placed with record: true (voice.record off)', async () => {
    expect(system.config.get().voice.record).toBe(false);
    const remote = uniquePhone();
    const placed = await system.api('POST', '/calls', { to: remote, record: true });
    expect(placed.status).toBe(201);
    const callSid = String(placed.json.callSid);
    const [created] = system.twilio.createdCalls({ to: remote });
    expect(created).toMatchObject({
      record: true,
      url: withConnectionOverrides(`${PUBLIC_URL}/twilio/voice/incoming?recorded=true`),
    });
    const announced = `${system.config.get().voice.recordingAnnouncement} ${GREETING}`;
    // Twilio fetches the answer URL it was given; the gateway signs "recorded" into the stream token.
    const { caller } = await connectCall(system, { remote, direction: 'outbound-api', callSid });
    expect((await agentTurn(system, callSid, 0)).text).toBe(announced);
    // The first audio the callee hears is that one synthesis: the announcement opens the greeting.
    const firstHeard = system.tts.identify(caller.media[0]!.bytes).map((k) => system.tts.textOf(k));
    expect(firstHeard).toContain(announced);
    await caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();

    // The same kind of call without recording is greeted as usual.
    const plain = uniquePhone();
    const unrecorded = await system.api('POST', '/calls', { to: plain });
    const plainSid = String(unrecorded.json.callSid);
    const second = await connectCall(system, { remote: plain, direction: 'outbound-api', callSid: plainSid });
    expect((await agentTurn(system, plainSid, 0)).text).toBe(GREETING);
    await second.caller.hangup();
  });

  it('keeps the turn when the speech-recognition socket drops mid-utterance', async () => {
    const remote = uniquePhone();
    system.stt.script(['I need help with my bill please.']);
    scriptModel(system, [[/bill/i, () => 'Of course, let us look at your bill.']]);
    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    const sessionsBefore = system.stt.sessions.length;
    const speaking = caller.say({ durationMs: 1600, seed: 41 });
    await new Promise((r) => setTimeout(r, 700));
    expect(system.stt.dropActiveSessions()).toBeGreaterThan(0);
    await speaking;
    const reply = await agentTurn(system, callSid, 1);
    expect(reply.text).toBe('Of course, let us look at your bill.');
    const record = (await new CallStore(system.db).get(callSid))!;
    expect(record.turns.filter((t) => t.role === 'caller').map((t) => t.text)).toEqual([
      'I need help with my bill please.',
    ]);
    expect(system.stt.sessions.length).toBeGreaterThan(sessionsBefore);
    await caller.hangup();
  });

  it('speaks a fallback line instead of going silent when the model fails', async () => {
    const remote = uniquePhone();
    system.stt.script(['Hello, are you there?']);
    // The voice model allows one retry: both attempts fail.
    system.anthropic.failNext({ kind: 'overloaded' }, 2);
    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    await caller.say({ durationMs: 1000, seed: 51 });
    const reply = await agentTurn(system, callSid, 1);
    expect(reply.text).toBe(FALLBACK);
    expect(system.tts.requests.some((r) => r.text === FALLBACK)).toBe(true);
    await caller.hangup();
  });

  it('speaks the fallback line when speech synthesis fails, and does not count the failed words as said', async () => {
    const remote = uniquePhone();
    system.stt.script(['What are your opening hours?']);
    scriptModel(system, [[/opening hours/i, () => 'We are open from nine to five.']]);
    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    system.tts.failNext(503);
    await caller.say({ durationMs: 1000, seed: 55 });
    const reply = await agentTurn(system, callSid, 1);
    expect(reply.text).toBe(FALLBACK);
    expect(system.tts.requests.filter((r) => r.text === 'We are open from nine to five.').map((r) => r.status)).toEqual(
      [503],
    );
    await caller.hangup();
  });

  it('a dropped call leaves a partial record, and the agent picks up where it left off when they call back', async () => {
    const remote = uniquePhone();
    system.stt.script([
      'Please change my address to 12 Oak Street.',
      'And the apartment number is',
      'Hi, I got cut off earlier.',
    ]);
    scriptModel(system, [
      [/address/i, () => 'Sure, what is the apartment number?'],
      [
        /cut off/i,
        (r) =>
          conversationText(r).includes('12 Oak Street')
            ? 'Welcome back. We were updating your address to 12 Oak Street; what is the apartment number?'
            : 'How can I help?',
      ],
    ]);
    const first = await connectCall(system, { remote });
    await agentTurn(system, first.callSid, 0);
    await first.caller.say({ durationMs: 1200, seed: 61 });
    await agentTurn(system, first.callSid, 1);
    await first.caller.say({ durationMs: 900, seed: 62 });
    await first.caller.drop();
    await callStatus(system, first.callSid, 'completed', { SequenceNumber: '3' });
    const dropped = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(first.callSid)).result();
    expect(dropped.outcome).toBe('dropped');
    const partial = (await new CallStore(system.db).get(first.callSid))!;
    expect(partial).toMatchObject({ outcome: 'dropped', endReason: 'socket_closed' });
    expect(partial.turns.filter((t) => t.role === 'caller').map((t) => t.text)).toContain(
      'Please change my address to 12 Oak Street.',
    );

    const second = await connectCall(system, { remote });
    await agentTurn(system, second.callSid, 0);
    await second.caller.say({ durationMs: 1000, seed: 63 });
    const resumed = await agentTurn(system, second.callSid, 1);
    expect(resumed.text).toBe(
      'Welcome back. We were updating your address to 12 Oak Street; what is the apartment number?',
    );
    await second.caller.hangup();
  });

  it('refuses a media stream without a valid token', async () => {
    const { MediaStreamsCaller } = await import('../../devstack/emulators/media-streams');
    const caller = await MediaStreamsCaller.connect(system.mediaStreamUrl, {
      accountSid: TEST_ACCOUNT_SID,
      callSid: 'CA' + 'ab'.repeat(16),
      customParameters: { token: '9999999999.' + '0'.repeat(64) },
    });
    const closed = await caller.closed;
    expect(closed.code).toBe(1008);
    expect(caller.media).toHaveLength(0);
  });
});
