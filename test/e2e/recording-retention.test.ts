import { createRecordingRetentionActivities } from '../../activities/recording-retention';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { TwilioAccounts } from '../../src/telephony/twilio/accounts';
import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import {
  recordingRetentionWorkflowId,
  type RecordingRetentionWorkflow,
} from '../../workflows/recording-retention/contract';
import type { EmulatedRecording } from '../../devstack/emulators/twilio';
import { restError } from '../emulators/twilio-fixtures';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

const phonePrefix = `+1630${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: numbers of our own. */
function uniquePhone(): string {
  return `${phonePrefix}${String(++phoneCounter).padStart(4, '0')}`;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 30;
const SWEEP_MS = 500;

interface RecordingView {
  recordingSid: string;
  status: string;
  deletedAt?: string;
}

// Recordings past voice.recordingRetentionDays are deleted at Twilio by a durable periodic workflow
// and marked deleted in our records; recent ones are kept.
describe(`recording retention (VOICE_RECORDING_RETENTION_DAYS=${RETENTION_DAYS})`, () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(
      { VOICE_RECORD: 'true', VOICE_RECORDING_RETENTION_DAYS: String(RETENTION_DAYS) },
      { voice: true, recordingRetentionSweepMs: SWEEP_MS },
    );
    system.tts.setTiming({ msPerChar: 10 });
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

  /** An answered, recorded inbound call that ended, with its recording completed and reported. */
  async function recordedCall(): Promise<{ callSid: string; recording: EmulatedRecording }> {
    const remote = uniquePhone();
    const callSid = (
      await rest().calls.create({ to: AGENT_NUMBER, from: remote, twiml: '<Response><Pause length="600"/></Response>' })
    ).sid;
    system.twilio.setCallStatus(callSid, 'in-progress');
    const call: LiveCall = await connectCall(system, { remote, callSid });
    const recording = await eventually(`a recording of ${callSid}`, () => system.twilio.recordings({ callSid })[0]);
    await agentTurn(system, callSid, 0);
    await call.caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '9', SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    system.twilio.completeRecording(recording.sid, 9);
    await recordingCallback(callSid, recording.sid, 'completed');
    return { callSid, recording };
  }

  /** What Twilio posts to the recording status callback. */
  async function recordingCallback(callSid: string, recordingSid: string, status: 'in-progress' | 'completed') {
    const callback = await system.webhook('/twilio/voice/recording', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: callSid,
      RecordingSid: recordingSid,
      RecordingStatus: status,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/${recordingSid}`,
      RecordingChannels: '2',
      RecordingSource: 'StartCallRecordingAPI',
      ...(status === 'completed' ? { RecordingDuration: '9' } : {}),
    });
    expect(callback.status).toBe(204);
  }

  /** The call and its recording's callbacks happened `days` ago. */
  async function age(callSid: string, days: number): Promise<void> {
    const at = new Date(Date.now() - days * DAY_MS);
    await system.db.collection('call_recordings').updateMany({ callSid }, { $set: { at } });
    await system.db
      .collection<{ _id: string }>('calls')
      .updateOne({ _id: callSid }, { $set: { startedAt: at, endedAt: at } });
  }

  async function recordingsOf(callSid: string): Promise<RecordingView[]> {
    const answer = await system.api('GET', `/calls/${callSid}`);
    expect(answer.status).toBe(200);
    return answer.json.recordings as RecordingView[];
  }

  async function deletedAtOf(callSid: string): Promise<string> {
    return eventually(
      `the recording of ${callSid} marked deleted`,
      async () => (await recordingsOf(callSid))[0]?.deletedAt,
      30_000,
    );
  }

  const deletes = (recordingSid: string) =>
    system.twilio.requestsMatching({ method: 'DELETE', path: `/Recordings/${recordingSid}.json` }).map((r) => r.status);

  it('deletes recordings past the retention at Twilio and marks them deleted; recent ones are kept', async () => {
    const old = await recordedCall();
    const recent = await recordedCall();
    const goneAlready = await recordedCall();
    // Deleted in Twilio's console meanwhile: the job's delete gets 404 and still marks it.
    await rest().recordings(goneAlready.recording.sid).remove();
    await age(old.callSid, RETENTION_DAYS + 10);
    await age(goneAlready.callSid, RETENTION_DAYS + 1);
    await age(recent.callSid, RETENTION_DAYS - 1);

    const deletedAt = await deletedAtOf(old.callSid);
    await deletedAtOf(goneAlready.callSid);
    expect(system.twilio.recordings({ callSid: old.callSid })).toEqual([]);
    expect(await restError(rest().recordings(old.recording.sid).fetch())).toMatchObject({ status: 404 });
    expect(await recordingsOf(old.callSid)).toEqual([
      expect.objectContaining({ recordingSid: old.recording.sid, status: 'completed', deletedAt }),
    ]);
    expect(deletes(goneAlready.recording.sid)).toEqual([204, 404]);

    // A few sweeps later: nothing deleted twice, the recent recording untouched.
    await new Promise((r) => setTimeout(r, 4 * SWEEP_MS));
    expect(deletes(old.recording.sid)).toEqual([204]);
    expect(deletes(goneAlready.recording.sid)).toEqual([204, 404]);
    expect((await recordingsOf(old.callSid))[0]!.deletedAt).toBe(deletedAt);
    expect(deletes(recent.recording.sid)).toEqual([]);
    expect(system.twilio.recordings({ callSid: recent.callSid }).map((r) => r.sid)).toEqual([recent.recording.sid]);
    const [kept] = await recordingsOf(recent.callSid);
    expect(kept).toMatchObject({ recordingSid: recent.recording.sid, status: 'completed' });
    expect(kept).not.toHaveProperty('deletedAt');

    // A late status callback, stored after the deletion (and old too), does not bring it back.
    await recordingCallback(old.callSid, old.recording.sid, 'in-progress');
    await age(old.callSid, RETENTION_DAYS + 10);
    await new Promise((r) => setTimeout(r, 4 * SWEEP_MS));
    expect(deletes(old.recording.sid)).toEqual([204]);
    expect(await recordingsOf(old.callSid)).toEqual([
      expect.objectContaining({ recordingSid: old.recording.sid, status: 'completed', deletedAt }),
    ]);

    // The job runs as one long-lived workflow of this deployment.
    const description = await system.temporal.workflow
      .getHandle<RecordingRetentionWorkflow>(recordingRetentionWorkflowId(system.config.get().temporal.taskQueue))
      .describe();
    expect(description.status.name).toBe('RUNNING');
  });

  it('retries a Twilio 5xx on delete', async () => {
    const call = await recordedCall();
    const fault = system.twilio.faults.failNext(1, 'server-error', {
      method: 'DELETE',
      path: `/api/**/Recordings/${call.recording.sid}.json`,
    });
    await age(call.callSid, RETENTION_DAYS + 2);
    await deletedAtOf(call.callSid);
    expect(fault.fired).toBe(1);
    expect(deletes(call.recording.sid)).toEqual([500, 204]);
    expect(system.twilio.recordings({ callSid: call.callSid })).toEqual([]);
  });

  it('finds nothing to delete while voice.recordingRetentionDays is unset', async () => {
    const call = await recordedCall();
    await age(call.callSid, 400);
    const config = system.config.get();
    const retentionOff = createRecordingRetentionActivities({
      config: () => ({ ...config, voice: { ...config.voice, recordingRetentionDays: undefined } }),
      calls: new CallStore(system.db),
      twilio: new TwilioAccounts(system.config),
    });
    expect(await retentionOff.expiredRecordings({ limit: 20 })).toEqual({ recordings: [] });
    // With the setting, the same store holds it as expired (unless the running job got there first).
    await deletedAtOf(call.callSid);
  });
});
