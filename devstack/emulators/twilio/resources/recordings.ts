import { rfc2822 } from '../dates';
import { TwilioApiError, invalidParam, notFound } from '../errors';
import { renderV2010Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import type { EmulatedCall, EmulatedRecording } from '../store';
import { requirePathAccount, requireSid } from './validation';
import { toneWav } from '../../audio/wav';

/** A call's Recordings subresource: start a recording on a live call (Call Recording Controls), list them. */
const BASE = '/api/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings';
/** The account's Recordings resource: fetch or delete one recording by its sid. */
const ACCOUNT_BASE = '/api/2010-04-01/Accounts/{AccountSid}/Recordings';

const STATUS_CALLBACK_EVENTS = ['in-progress', 'completed', 'absent'];

function renderRecording(recording: EmulatedRecording): object {
  return {
    account_sid: recording.accountSid,
    api_version: '2010-04-01',
    call_sid: recording.callSid,
    conference_sid: null,
    channels: recording.channels === 'dual' ? 2 : 1,
    date_created: rfc2822(recording.dateCreated),
    date_updated: rfc2822(recording.dateUpdated),
    start_time: rfc2822(recording.startTime),
    duration: recording.durationSeconds === null ? null : String(recording.durationSeconds),
    sid: recording.sid,
    price: null,
    price_unit: 'USD',
    status: recording.status,
    source: 'StartCallRecordingAPI',
    error_code: null,
    encryption_details: null,
    track: recording.track,
    uri: `/2010-04-01/Accounts/${recording.accountSid}/Calls/${recording.callSid}/Recordings/${recording.sid}.json`,
  };
}

function findCall(ctx: RouteContext): EmulatedCall {
  const accountSid = requirePathAccount(ctx);
  const call = ctx.store.calls.get(requireSid(ctx, 'CallSid'));
  if (!call || call.accountSid !== accountSid) throw notFound(ctx.twilioPath);
  return call;
}

/** An optional enumerated parameter: its default when absent, a 400 naming the allowed values otherwise. */
function oneOf<T extends string>(ctx: RouteContext, name: string, allowed: readonly T[], fallback: T): T {
  const value = ctx.form.get(name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw invalidParam(20001, `Invalid ${name}: ${value}. Must be one of ${allowed.join(', ')}`);
  return value as T;
}

function createRecording(ctx: RouteContext) {
  const call = findCall(ctx);
  // Repeated keys (the SDK) or one space-separated value (curl examples in Twilio's docs); default `completed`.
  const events = ctx.form
    .getAll('RecordingStatusCallbackEvent')
    .flatMap((v) => v.split(/\s+/))
    .filter(Boolean);
  const invalid = events.find((e) => !STATUS_CALLBACK_EVENTS.includes(e));
  if (invalid !== undefined)
    throw invalidParam(
      20001,
      `Invalid RecordingStatusCallbackEvent: ${invalid}. Must be in-progress, completed or absent`,
    );
  const channels = oneOf(ctx, 'RecordingChannels', ['mono', 'dual'] as const, 'mono');
  const track = oneOf(ctx, 'RecordingTrack', ['inbound', 'outbound', 'both'] as const, 'both');
  const trim = oneOf(ctx, 'Trim', ['trim-silence', 'do-not-trim'] as const, 'do-not-trim');
  const method = oneOf(ctx, 'RecordingStatusCallbackMethod', ['GET', 'POST'] as const, 'POST');
  // Only a live call can be recorded (the code and message are what Twilio answers, as best known).
  if (call.status !== 'in-progress')
    throw new TwilioApiError(400, 21220, 'Requested resource is not eligible for recording');
  const now = ctx.now();
  const recording: EmulatedRecording = {
    sid: newSid('RE'),
    accountSid: call.accountSid,
    callSid: call.sid,
    status: 'in-progress',
    channels,
    track,
    trim,
    recordingStatusCallback: ctx.form.get('RecordingStatusCallback') ?? null,
    recordingStatusCallbackMethod: method,
    recordingStatusCallbackEvents: events.length > 0 ? events : ['completed'],
    startTime: now,
    durationSeconds: null,
    dateCreated: now,
    dateUpdated: now,
    params: ctx.form.toRecord(),
  };
  ctx.store.recordings.set(recording.sid, recording);
  ctx.emit({ type: 'recording-created', recording });
  return { status: 201, body: renderRecording(recording) };
}

function listRecordings(ctx: RouteContext) {
  const call = findCall(ctx);
  // Newest first, like Twilio's lists.
  const all = [...ctx.store.recordings.values()].filter((r) => r.callSid === call.sid).reverse();
  return {
    status: 200,
    body: renderV2010Page({
      key: 'recordings',
      listUri: `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}/Recordings.json`,
      all,
      query: ctx.query,
      render: renderRecording,
    }),
  };
}

function fetchRecording(ctx: RouteContext) {
  const call = findCall(ctx);
  const recording = ctx.store.recordings.get(requireSid(ctx, 'Sid'));
  if (!recording || recording.callSid !== call.sid) throw notFound(ctx.twilioPath);
  return { status: 200, body: renderRecording(recording) };
}

function findAccountRecording(ctx: RouteContext): EmulatedRecording {
  const accountSid = requirePathAccount(ctx);
  const recording = ctx.store.recordings.get(requireSid(ctx, 'Sid'));
  if (!recording || recording.accountSid !== accountSid) throw notFound(ctx.twilioPath);
  return recording;
}

function fetchAccountRecording(ctx: RouteContext) {
  return { status: 200, body: renderRecording(findAccountRecording(ctx)) };
}

/** Deletes the recording (its audio and its resource): a later fetch or delete answers 404. */
function deleteRecording(ctx: RouteContext) {
  const recording = findAccountRecording(ctx);
  ctx.store.recordings.delete(recording.sid);
  return { status: 204 };
}

/**
 * The recording's audio, as `GET /Recordings/{Sid}.wav` (or `.mp3`, answered with WAV too) serves it: only
 * once it is completed (Twilio answers 404 while it is processing). A soft tone for its duration, 8 kHz
 * mu-law WAV, one channel per recorded channel.
 */
function recordingMedia(ctx: RouteContext) {
  const recording = findAccountRecording(ctx);
  if (recording.status !== 'completed') throw notFound(ctx.twilioPath);
  return {
    status: 200,
    raw: {
      contentType: 'audio/x-wav',
      bytes: toneWav(recording.durationSeconds ?? 1, recording.channels === 'dual' ? 2 : 1),
    },
  };
}

export const recordingRoutes: Route[] = [
  { method: 'GET', pattern: `${ACCOUNT_BASE}/{Sid}.wav`, handler: recordingMedia },
  { method: 'GET', pattern: `${ACCOUNT_BASE}/{Sid}.mp3`, handler: recordingMedia },
  { method: 'GET', pattern: `${ACCOUNT_BASE}/{Sid}.json`, handler: fetchAccountRecording },
  { method: 'DELETE', pattern: `${ACCOUNT_BASE}/{Sid}.json`, handler: deleteRecording },
  { method: 'POST', pattern: `${BASE}.json`, handler: createRecording },
  { method: 'GET', pattern: `${BASE}.json`, handler: listRecordings },
  { method: 'GET', pattern: `${BASE}/{Sid}.json`, handler: fetchRecording },
];
