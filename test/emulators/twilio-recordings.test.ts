import { isSid } from '../../devstack/emulators/twilio/sids';
import {
  ACCOUNT_SID,
  OTHER_ACCOUNT_SID,
  OTHER_AUTH_TOKEN,
  rawPost,
  restError,
  sharedEmulator,
} from './twilio-fixtures';
import { createTwilioClient } from '../../src/telephony/twilio/client';

const FROM = '+14155550100';
const TO = '+14155550101';
const CALLBACK = 'https://gw.example/twilio/voice/recording';

const fx = sharedEmulator();

async function liveCall(): Promise<string> {
  const call = await fx.client.calls.create({ to: TO, from: FROM, url: 'https://gw.example/twilio/voice' });
  fx.emulator.setCallStatus(call.sid, 'in-progress');
  return call.sid;
}

describe('call Recordings', () => {
  it('starts a recording on a live call with repeated RecordingStatusCallbackEvent, lists and fetches it', async () => {
    const created: string[] = [];
    fx.emulator.hooks.onRecordingCreated = (recording) => {
      created.push(recording.sid);
    };
    const callSid = await liveCall();
    const recording = await fx.client.calls(callSid).recordings.create({
      recordingStatusCallback: CALLBACK,
      recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
      recordingChannels: 'dual',
    });
    expect(isSid(recording.sid, 'RE')).toBe(true);
    expect(recording).toMatchObject({
      accountSid: ACCOUNT_SID,
      callSid,
      status: 'in-progress',
      channels: 2,
      track: 'both',
      source: 'StartCallRecordingAPI',
      duration: null,
    });
    expect(recording.startTime).toBeInstanceOf(Date);
    expect(recording.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${callSid}/Recordings/${recording.sid}.json`);
    const request = fx.emulator.requestsMatching({ method: 'POST', path: '/Recordings.json' })[0];
    expect(request?.params.RecordingStatusCallbackEvent).toEqual(['in-progress', 'completed', 'absent']);
    expect(fx.emulator.recordings({ callSid })).toEqual([
      expect.objectContaining({
        sid: recording.sid,
        recordingStatusCallback: CALLBACK,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvents: ['in-progress', 'completed', 'absent'],
        channels: 'dual',
      }),
    ]);
    expect(fx.emulator.state.recordings).toHaveLength(1);
    await fx.emulator.hooksSettled();
    expect(created).toEqual([recording.sid]);

    const second = await fx.client.calls(callSid).recordings.create();
    expect(second.channels).toBe(1);
    expect(fx.emulator.recordings({ callSid })[1]?.recordingStatusCallbackEvents).toEqual(['completed']);
    const listed = await fx.client.calls(callSid).recordings.list();
    expect(listed.map((r) => r.sid)).toEqual([second.sid, recording.sid]);
    expect((await fx.client.calls(callSid).recordings.list({ limit: 1 })).map((r) => r.sid)).toEqual([second.sid]);

    fx.emulator.completeRecording(recording.sid, 42);
    const fetched = await fx.client.calls(callSid).recordings(recording.sid).fetch();
    expect(fetched).toMatchObject({ status: 'completed', duration: '42' });
  });

  it('accepts a space-separated RecordingStatusCallbackEvent', async () => {
    const callSid = await liveCall();
    const answer = await rawPost(
      fx.baseUrl,
      `/api/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${callSid}/Recordings.json`,
      { RecordingStatusCallback: CALLBACK, RecordingStatusCallbackEvent: 'in-progress completed absent' },
    );
    expect(answer.status).toBe(201);
    expect(fx.emulator.recordings({ callSid })[0]?.recordingStatusCallbackEvents).toEqual([
      'in-progress',
      'completed',
      'absent',
    ]);
  });

  it('validates like Twilio and starts nothing on error', async () => {
    const callSid = await liveCall();
    const recordings = fx.client.calls(callSid).recordings;
    expect(
      await restError(recordings.create({ recordingStatusCallbackEvent: ['completed', 'ringing'] })),
    ).toMatchObject({ status: 400, code: 20001 });
    expect(await restError(recordings.create({ recordingChannels: 'stereo' }))).toMatchObject({
      status: 400,
      code: 20001,
    });
    expect(await restError(recordings.create({ recordingTrack: 'everything' }))).toMatchObject({
      status: 400,
      code: 20001,
    });
    expect(await restError(recordings.create({ recordingStatusCallbackMethod: 'PUT' }))).toMatchObject({
      status: 400,
      code: 20001,
    });

    const unknown = `CA${'0'.repeat(32)}`;
    expect(await restError(fx.client.calls(unknown).recordings.create())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(fx.client.calls(unknown).recordings.list())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(recordings(`RE${'0'.repeat(32)}`).fetch())).toMatchObject({ status: 404, code: 20404 });

    // Only a live call can be recorded.
    const ringing = (await fx.client.calls.create({ to: TO, from: FROM, url: 'https://gw.example/twilio/voice' })).sid;
    expect(await restError(fx.client.calls(ringing).recordings.create())).toMatchObject({ status: 400, code: 21220 });
    fx.emulator.setCallStatus(callSid, 'completed');
    expect(await restError(recordings.create())).toMatchObject({ status: 400, code: 21220 });
    expect(fx.emulator.state.recordings).toEqual([]);
  });

  it('fetches and deletes a recording by its sid on the account; afterwards it is not found', async () => {
    const callSid = await liveCall();
    const { sid } = await fx.client.calls(callSid).recordings.create();
    expect((await fx.client.recordings(sid).fetch()).callSid).toBe(callSid);
    const other = createTwilioClient({
      accountSid: OTHER_ACCOUNT_SID,
      authToken: OTHER_AUTH_TOKEN,
      apiBaseUrl: fx.baseUrl,
      timeoutMs: 5000,
    });
    expect(await restError(other.recordings(sid).remove())).toMatchObject({ status: 404, code: 20404 });

    expect(await fx.client.recordings(sid).remove()).toBe(true);
    const deletes = fx.emulator.requestsMatching({ method: 'DELETE', path: `/Recordings/${sid}.json` });
    expect(deletes.map((r) => [r.accountSid, r.status])).toEqual([
      [OTHER_ACCOUNT_SID, 404],
      [ACCOUNT_SID, 204],
    ]);
    expect(await restError(fx.client.recordings(sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(fx.client.recordings(sid).remove())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(fx.client.calls(callSid).recordings(sid).fetch())).toMatchObject({ status: 404 });
    expect(fx.emulator.recordings({ callSid })).toEqual([]);
  });

  it("another account's call is not found", async () => {
    const callSid = await liveCall();
    const other = createTwilioClient({
      accountSid: OTHER_ACCOUNT_SID,
      authToken: OTHER_AUTH_TOKEN,
      apiBaseUrl: fx.baseUrl,
      timeoutMs: 5000,
    });
    expect(await restError(other.calls(callSid).recordings.create())).toMatchObject({ status: 404, code: 20404 });
    expect(fx.emulator.recordings()).toEqual([]);
  });
});
