/**
 * The platform's event model: every Twilio webhook and every internal outcome becomes one typed,
 * versioned event. Events travel as workflow input (JSON), so times are ISO 8601 strings.
 *
 * `id` derives from Twilio's own ids (`<type>:<sid>`), so a retried or duplicated webhook maps to
 * the same event and has no second effect.
 */

/** Bumped only for incompatible changes to an event's data; additive fields keep the version. */
export const EVENT_VERSION = 1;

export type CallStatus =
  'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

interface CallEventData {
  callSid: string;
  status: CallStatus;
  from: string;
  to: string;
  direction?: string;
  /** Seconds, on terminal events. */
  duration?: number;
  /** Twilio's SequenceNumber: arrival order is not guaranteed, this is the order they happened in. */
  sequenceNumber?: number;
  parentCallSid?: string;
  answeredBy?: string;
}

interface CallOutcomeData {
  callSid: string;
  customerId?: string;
  /** Twilio's From and To: the caller and our number on an inbound call, the other way round on one we placed. */
  from: string;
  to: string;
  /** The customer's number (the caller, or the person we called); Twilio's placeholder when withheld. */
  remote: string;
  /** Our number. */
  local: string;
  /** Set when the caller withheld their number: `remote` is Twilio's placeholder (`anonymous`), not a number to text. */
  remoteWithheld?: true;
  /** Twilio's: `inbound`, `outbound-api` (a call we placed), `outbound-dial`. */
  direction?: string;
  /** completed normally, transferred to a person, dropped mid-conversation, never answered... */
  outcome: string;
  turns: number;
  /** Times another realtime worker took the call over after its stream was lost (a crash or deploy). */
  reconnects?: number;
  durationMs?: number;
  /** The agent that answered, at the version it answered with. */
  agentId?: string;
  agentVersion?: number;
  /** Every agent that spoke, in order (one per handoff after the first). */
  agents?: Array<{ agentId: string; version: number; at: string }>;
}

export interface RecordingEventData {
  callSid: string;
  recordingSid: string;
  status: 'in-progress' | 'completed' | 'absent' | 'failed';
  /** The media URL (append `.mp3`/`.wav` to download; it needs the account's credentials). */
  url?: string;
  durationSeconds?: number;
  channels?: number;
  /** How it was started: `StartCallRecordingAPI`, `OutboundAPI`, ... */
  source?: string;
}

interface MessageReceivedData {
  messageSid: string;
  channel: 'sms' | 'mms' | 'whatsapp' | 'conversations';
  from: string;
  to: string;
  body: string;
  mediaCount: number;
  conversationSid?: string;
}

interface MessageStatusData {
  messageSid: string;
  status: string;
  errorCode?: number;
  to?: string;
  from?: string;
  [extra: string]: unknown;
}

interface WorkflowFailedData {
  workflowType: string;
  workflowId: string;
  /** The binding that started it. */
  binding: string;
  /** The event the workflow was handling. */
  eventId: string;
  eventType: string;
  error: string;
}

interface ConsentChangedData {
  /** The address as Twilio sent it (`+E164` or `whatsapp:+E164`). */
  address: string;
  /** Our number it concerned. */
  to: string;
  /** The keyword the customer sent, or `twilio:21610` when Twilio refused a send. */
  via: string;
  /** The inbound MessageSid (keywords). */
  messageSid?: string;
}

interface ConsentSendRefusedData {
  to: string;
  from: string;
  /** What was refused: a text message or a call. */
  kind: 'message' | 'call';
  /** Opted out (STOP), or a WhatsApp message outside the 24-hour window with no template configured. */
  reason: 'opted_out' | 'whatsapp_window_closed';
  /** For a closed WhatsApp window: why the message was to be sent. */
  purpose?: 'reply' | 'follow_up' | 'notification';
}

/** A person took a conversation over, replied in it, or handed it back to the agent. */
interface TakeoverEventData {
  state: 'agent' | 'waiting' | 'human';
  origin?: 'escalation' | 'operator';
  reason?: string;
  operatorId?: string;
  operatorName?: string;
  /** `takeover.replied`: the reply and whether it went out. */
  replyId?: string;
  status?: 'sent' | 'failed';
  error?: string;
}

/** Every event type and the shape of its data. Adding one: a line here, then emit it. */
export interface EventDataMap {
  'call.initiated': CallEventData;
  'call.ringing': CallEventData;
  'call.answered': CallEventData;
  'call.completed': CallEventData;
  'call.busy': CallEventData;
  'call.no_answer': CallEventData;
  'call.failed': CallEventData;
  'call.canceled': CallEventData;
  'call.ended': CallOutcomeData;
  'recording.in_progress': RecordingEventData;
  'recording.completed': RecordingEventData;
  'recording.absent': RecordingEventData;
  'recording.failed': RecordingEventData;
  'message.received': MessageReceivedData;
  'message.queued': MessageStatusData;
  'message.sending': MessageStatusData;
  'message.sent': MessageStatusData;
  'message.delivered': MessageStatusData;
  'message.read': MessageStatusData;
  'message.failed': MessageStatusData;
  /** Any other Twilio message status (accepted, scheduled, canceled...). */
  'message.status_changed': MessageStatusData;
  'conversation.created': Record<string, unknown>;
  'conversation.updated': Record<string, unknown>;
  'conversation.removed': Record<string, unknown>;
  'conversation.state_changed': Record<string, unknown>;
  'conversation.closed': Record<string, unknown>;
  'participant.added': Record<string, unknown>;
  'participant.removed': Record<string, unknown>;
  'escalation.requested': { reason: string; urgency: string; via: string };
  'agent.fallback': Record<string, unknown>;
  'consent.opted_out': ConsentChangedData;
  'consent.opted_in': ConsentChangedData;
  'consent.send_refused': ConsentSendRefusedData;
  'workflow.failed': WorkflowFailedData;
  'takeover.paused': TakeoverEventData;
  'takeover.replied': TakeoverEventData;
  'takeover.handed_back': TakeoverEventData;
}

export type EventType = keyof EventDataMap;

export const EVENT_TYPES = [
  'call.initiated',
  'call.ringing',
  'call.answered',
  'call.completed',
  'call.busy',
  'call.no_answer',
  'call.failed',
  'call.canceled',
  'call.ended',
  'recording.in_progress',
  'recording.completed',
  'recording.absent',
  'recording.failed',
  'message.received',
  'message.queued',
  'message.sending',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'message.status_changed',
  'conversation.created',
  'conversation.updated',
  'conversation.removed',
  'conversation.state_changed',
  'conversation.closed',
  'participant.added',
  'participant.removed',
  'escalation.requested',
  'agent.fallback',
  'consent.opted_out',
  'consent.opted_in',
  'consent.send_refused',
  'workflow.failed',
  'takeover.paused',
  'takeover.replied',
  'takeover.handed_back',
] as const satisfies readonly EventType[];

/** Memo keys on every workflow started for a binding (the failure reporter reads them). */
export const BINDING_MEMO = {
  binding: 'beluga.binding',
  eventId: 'beluga.eventId',
  eventType: 'beluga.eventType',
  accountSid: 'beluga.accountSid',
} as const;

/** What a bound workflow receives as its only argument. */
export interface BelugaEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  version: typeof EVENT_VERSION;
  /** When it happened (Twilio's timestamp when it sent one), ISO 8601. */
  occurredAt: string;
  /** Where it came from: a Twilio webhook, or the platform itself. */
  source: 'twilio' | 'beluga';
  /** The Twilio account it belongs to. */
  accountSid?: string;
  customerId?: string;
  data: EventDataMap[T];
}

/** Twilio's CallStatus → event type (`in-progress` is how Twilio says "answered"). */
export function callEventType(status: CallStatus): EventType {
  switch (status) {
    case 'queued':
    case 'initiated':
      return 'call.initiated';
    case 'in-progress':
      return 'call.answered';
    case 'no-answer':
      return 'call.no_answer';
    default:
      return `call.${status}`;
  }
}

/** A message status → its event; `failed` and `undelivered` are both `message.failed`. */
export function messageStatusEventType(status: string): EventType {
  if (status === 'failed' || status === 'undelivered') return 'message.failed';
  const type = `message.${status}`;
  return isEventType(type) && type !== 'message.received' ? type : 'message.status_changed';
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
