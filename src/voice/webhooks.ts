import { z } from 'zod';
import { callEventType, type BelugaEvent, type CallStatus, type EventType } from '../events/catalog';
import { makeEvent } from '../events/make-event';
import { flattenForm, type FormParams } from '../messaging/inbound';

const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call sid');
const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account sid');
const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const satisfies readonly CallStatus[];

const CallForm = z.object({
  CallSid: callSid,
  AccountSid: accountSid,
  CallStatus: z.enum(CALL_STATUSES),
  From: z.string().default(''),
  To: z.string().default(''),
  Direction: z.string().optional(),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
  Timestamp: z.string().optional(),
  ParentCallSid: z.string().optional(),
  AnsweredBy: z.string().optional(),
  StirVerstat: z.string().optional(),
});

/** A voice webhook (incoming call or status callback) as the platform sees it. */
export interface CallWebhook {
  callSid: string;
  accountSid: string;
  status: CallStatus;
  from: string;
  to: string;
  direction?: string;
  durationSeconds?: number;
  sequenceNumber?: number;
  /** Twilio's Timestamp when sent, else receipt time (ISO 8601). */
  occurredAt: string;
  parentCallSid?: string;
  answeredBy?: string;
  /** Twilio's STIR/SHAKEN verification of the caller ID (`TN-Validation-Passed-A` …), inbound calls only. */
  stirVerstat?: string;
}

export function parseCallWebhook(params: FormParams, now: Date = new Date()): CallWebhook {
  const form = CallForm.parse(flattenForm(params));
  const stamped = form.Timestamp ? new Date(form.Timestamp) : undefined;
  return {
    callSid: form.CallSid,
    accountSid: form.AccountSid,
    status: form.CallStatus,
    from: form.From,
    to: form.To,
    ...(form.Direction ? { direction: form.Direction } : {}),
    ...(form.CallDuration !== undefined ? { durationSeconds: form.CallDuration } : {}),
    ...(form.SequenceNumber !== undefined ? { sequenceNumber: form.SequenceNumber } : {}),
    occurredAt: (stamped && !Number.isNaN(stamped.getTime()) ? stamped : now).toISOString(),
    ...(form.ParentCallSid ? { parentCallSid: form.ParentCallSid } : {}),
    ...(form.AnsweredBy ? { answeredBy: form.AnsweredBy } : {}),
    ...(form.StirVerstat ? { stirVerstat: form.StirVerstat } : {}),
  };
}

/** `call.<what happened>:<CallSid>`: a status is reported once per call, so Twilio's retries map to it. */
export function callStatusEvent(call: CallWebhook, customerId?: string): BelugaEvent {
  const type: EventType = callEventType(call.status);
  return makeEvent(type, {
    id: `${type}:${call.callSid}`,
    occurredAt: call.occurredAt,
    accountSid: call.accountSid,
    ...(customerId ? { customerId } : {}),
    data: {
      callSid: call.callSid,
      status: call.status,
      from: call.from,
      to: call.to,
      ...(call.direction ? { direction: call.direction } : {}),
      ...(call.durationSeconds !== undefined ? { duration: call.durationSeconds } : {}),
      ...(call.sequenceNumber !== undefined ? { sequenceNumber: call.sequenceNumber } : {}),
      ...(call.parentCallSid ? { parentCallSid: call.parentCallSid } : {}),
      ...(call.answeredBy ? { answeredBy: call.answeredBy } : {}),
    },
  });
}

const RecordingForm = z.object({
  RecordingSid: z.string().regex(/^RE[0-9a-fA-F]{32}$/, 'must be a Twilio recording sid'),
  AccountSid: accountSid,
  CallSid: callSid,
  RecordingStatus: z.enum(['in-progress', 'completed', 'absent', 'failed']),
  RecordingUrl: z.string().optional(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  RecordingChannels: z.coerce.number().int().min(1).optional(),
  RecordingSource: z.string().optional(),
});

export type RecordingEvent = BelugaEvent<
  'recording.in_progress' | 'recording.completed' | 'recording.absent' | 'recording.failed'
> & { accountSid: string };

/** Recording status callback → `recording.<status>:<RecordingSid>`. */
export function parseRecordingEvent(params: FormParams, now: Date = new Date()): RecordingEvent {
  const form = RecordingForm.parse(flattenForm(params));
  const type = `recording.${form.RecordingStatus.replace('-', '_')}` as
    'recording.in_progress' | 'recording.completed' | 'recording.absent' | 'recording.failed';
  const event = makeEvent(type, {
    id: `${type}:${form.RecordingSid}`,
    occurredAt: now,
    accountSid: form.AccountSid,
    data: {
      callSid: form.CallSid,
      recordingSid: form.RecordingSid,
      status: form.RecordingStatus,
      ...(form.RecordingUrl ? { url: form.RecordingUrl } : {}),
      ...(form.RecordingDuration !== undefined ? { durationSeconds: form.RecordingDuration } : {}),
      ...(form.RecordingChannels !== undefined ? { channels: form.RecordingChannels } : {}),
      ...(form.RecordingSource ? { source: form.RecordingSource } : {}),
    },
  });
  return { ...event, accountSid: form.AccountSid };
}
