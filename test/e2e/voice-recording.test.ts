import { withConnectionOverrides } from '../../src/telephony/twilio/connection-overrides';
import { EventLog } from '../../src/events/event-log';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { callStateQuery, callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import type { EmulatedRecording } from '../../devstack/emulators/twilio';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  eventually,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

// Customer workflows are shared across test files on one Temporal server: numbers of our own.
const phonePrefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

/** As the platform gives it to Twilio: with the connection overrides that make Twilio retry. */
const RECORDING_CALLBACK = withConnectionOverrides(`${PUBLIC_URL}/twilio/voice/recording`);

describe('call recording (VOICE_RECORD=true)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_RECORD: 'true' }, { voice: true });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  function rest() {
    const account = system.config.get().twilio.accounts[0]!;
    return createTwilioClient({
      accountSid: account.accountSid,
      authToken: account.authToken,
      apiBaseUrl: account.apiBaseUrl,
      timeoutMs: 5000,
    });
  }

  /** An answered inbound call: live at "Twilio" (only a live call can be recorded), then the webhook and the media stream. */
  async function liveInboundCall(remote: string, beforeStream?: (callSid: string) => Promise<void>): Promise<LiveCall> {
    const callSid = (
      await rest().calls.create({ to: AGENT_NUMBER, from: remote, twiml: '<Response><Pause length="600"/></Response>' })
    ).sid;
    system.twilio.setCallStatus(callSid, 'in-progress');
    await beforeStream?.(callSid);
    return connectCall(system, { remote, callSid });
  }

  async function recordingAtTwilio(callSid: string): Promise<EmulatedRecording> {
    return eventually(`a recording of ${callSid} at Twilio`, () => system.twilio.recordings({ callSid })[0]);
  }

  /** What Twilio posts to the recording status callback. */
  async function recordingCallback(
    callSid: string,
    recording: EmulatedRecording,
    status: 'in-progress' | 'completed',
    durationSeconds?: number,
  ): Promise<void> {
    const response = await system.webhook('/twilio/voice/recording', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: callSid,
      RecordingSid: recording.sid,
      RecordingStatus: status,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/${recording.sid}`,
      RecordingChannels: '2',
      RecordingSource: 'StartCallRecordingAPI',
      RecordingStartTime: recording.startTime.toUTCString(),
      ...(durationSeconds !== undefined ? { RecordingDuration: String(durationSeconds) } : {}),
    });
    expect(response.status).toBe(204);
  }

  async function callRecord(callSid: string): Promise<Record<string, unknown>> {
    const answer = await system.api('GET', `/calls/${callSid}`);
    expect(answer.status).toBe(200);
    return answer.json;
  }

  async function loggedRecordingEvents(recordingSid: string) {
    return (await new EventLog(system.db).list({}, 1000)).filter(
      (e) => e.type.startsWith('recording.') && e.data.recordingSid === recordingSid,
    );
  }

  async function hangUp(call: LiveCall): Promise<void> {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { CallDuration: '9', SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  }

  it('records an inbound call once, and stores its recording callbacks: duplicates and late in-progress change nothing', async () => {
    const call = await liveInboundCall(uniquePhone());
    const { callSid } = call;
    const recording = await recordingAtTwilio(callSid);
    expect(recording).toMatchObject({
      status: 'in-progress',
      recordingStatusCallback: RECORDING_CALLBACK,
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvents: ['in-progress', 'completed', 'absent'],
      channels: 'dual',
    });
    // The caller hears that the call is recorded before anything else: it opens the greeting.
    expect((await agentTurn(system, callSid, 0)).text).toBe(
      `This call is recorded. ${system.config.get().voice.greeting}`,
    );

    await recordingCallback(callSid, recording, 'in-progress');
    const handle = system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid));
    // The live call's workflow hears of it too.
    await eventually('the recording in the call state', async () =>
      (await handle.query(callStateQuery)).recordings.find((r) => r.recordingSid === recording.sid),
    );
    expect((await callRecord(callSid)).recordings).toEqual([
      expect.objectContaining({ recordingSid: recording.sid, status: 'in-progress' }),
    ]);

    system.twilio.completeRecording(recording.sid, 9);
    await recordingCallback(callSid, recording, 'completed', 9);
    const expected = {
      recordingSid: recording.sid,
      status: 'completed',
      url: `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/${recording.sid}`,
      durationSeconds: 9,
      channels: 2,
      source: 'StartCallRecordingAPI',
      at: expect.any(String) as string,
      // Completed: playable through the gateway (the console's player).
      audioUrl: `/api/calls/${callSid}/recordings/${recording.sid}/audio`,
    };
    const stored = (await callRecord(callSid)).recordings;
    expect(stored).toEqual([expected]);

    // Twilio retries a callback it thinks failed; a stale in-progress arrives late: nothing changes.
    await recordingCallback(callSid, recording, 'completed', 9);
    await recordingCallback(callSid, recording, 'in-progress');
    expect((await callRecord(callSid)).recordings).toEqual(stored);
    expect((await loggedRecordingEvents(recording.sid)).map((e) => e.type).sort()).toEqual([
      'recording.completed',
      'recording.in_progress',
    ]);
    const completedEvent = (await loggedRecordingEvents(recording.sid)).find((e) => e.type === 'recording.completed');
    expect(completedEvent?.data).toMatchObject({
      callSid,
      recordingSid: recording.sid,
      status: 'completed',
      durationSeconds: 9,
      url: expected.url,
    });

    await hangUp(call);
    // The call's end leaves the recording as it was, and nothing started a second one.
    const record = await callRecord(callSid);
    expect(record).toMatchObject({ outcome: 'completed', recordings: stored });
    expect(system.twilio.recordings({ callSid })).toHaveLength(1);
    expect(system.twilio.requestsMatching({ method: 'POST', path: `/Calls/${callSid}/Recordings.json` })).toHaveLength(
      1,
    );
  });

  it('stores a recording callback that arrives after the call has finished', async () => {
    const call = await liveInboundCall(uniquePhone());
    const recording = await recordingAtTwilio(call.callSid);
    await agentTurn(system, call.callSid, 0);
    await hangUp(call);
    expect((await callRecord(call.callSid)).recordings).toEqual([]);

    system.twilio.completeRecording(recording.sid, 7);
    await recordingCallback(call.callSid, recording, 'completed', 7);
    expect((await callRecord(call.callSid)).recordings).toEqual([
      expect.objectContaining({ recordingSid: recording.sid, status: 'completed', durationSeconds: 7 }),
    ]);
    expect((await loggedRecordingEvents(recording.sid)).map((e) => e.type)).toEqual(['recording.completed']);
    await recordingCallback(call.callSid, recording, 'completed', 7);
    expect((await callRecord(call.callSid)).recordings).toHaveLength(1);
  });

  it('starts no second recording when the call is already being recorded (a retried start)', async () => {
    let earlier: string | undefined;
    const call = await liveInboundCall(uniquePhone(), async (callSid) => {
      // What an earlier attempt whose response was lost left behind.
      earlier = (
        await rest()
          .calls(callSid)
          .recordings.create({ recordingStatusCallback: RECORDING_CALLBACK, recordingChannels: 'dual' })
      ).sid;
    });
    await agentTurn(system, call.callSid, 0);
    await hangUp(call);
    // The workflow waited for its start attempt before finishing: it listed the call's recordings and stopped there.
    expect(
      system.twilio.requestsMatching({ method: 'GET', path: `/Calls/${call.callSid}/Recordings.json` }),
    ).toHaveLength(1);
    expect(system.twilio.recordings({ callSid: call.callSid }).map((r) => r.sid)).toEqual([earlier]);
  });

  it('a call Twilio refuses to record goes on unrecorded', async () => {
    // Created but never marked live at "Twilio": the Recordings API answers 21220.
    const call = await connectCall(system, { remote: uniquePhone() });
    await agentTurn(system, call.callSid, 0);
    await hangUp(call);
    const refused = system.twilio.requestsMatching({ method: 'POST', path: `/Calls/${call.callSid}/Recordings.json` });
    expect(refused.map((r) => [r.status, r.errorCode])).toEqual([[400, 21220]]);
    expect(await callRecord(call.callSid)).toMatchObject({ outcome: 'completed', recordings: [] });
  });

  it('leaves outbound calls to the recording their create request asked for', async () => {
    const remote = uniquePhone();
    const placed = await system.api('POST', '/calls', { to: remote });
    expect(placed.status).toBe(201);
    const callSid = String(placed.json.callSid);
    expect(system.twilio.createdCalls({ to: remote })[0]).toMatchObject({
      record: true,
      params: expect.objectContaining({ RecordingStatusCallback: RECORDING_CALLBACK }) as Record<string, string>,
    });
    system.twilio.setCallStatus(callSid, 'in-progress');
    const call = await connectCall(system, { remote, direction: 'outbound-api', callSid });
    // The callee hears the announcement first, like an inbound caller.
    expect((await agentTurn(system, callSid, 0)).text).toBe(
      `This call is recorded. ${system.config.get().voice.greeting}`,
    );
    await hangUp(call);
    expect(system.twilio.requestsMatching({ path: `/Calls/${callSid}/Recordings` })).toEqual([]);
  });

  it('announces nothing on an outbound call placed with record: false, which is not recorded', async () => {
    const remote = uniquePhone();
    const placed = await system.api('POST', '/calls', { to: remote, record: false });
    expect(placed.status).toBe(201);
    const callSid = String(placed.json.callSid);
    expect(system.twilio.createdCalls({ to: remote })[0]).toMatchObject({ record: false });
    system.twilio.setCallStatus(callSid, 'in-progress');
    const call = await connectCall(system, { remote, direction: 'outbound-api', callSid });
    expect((await agentTurn(system, callSid, 0)).text).toBe(system.config.get().voice.greeting);
    await hangUp(call);
    expect(system.twilio.recordings({ callSid })).toEqual([]);
  });
});
