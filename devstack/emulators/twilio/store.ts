/** In-memory state of the emulated account(s): domain records, rendered to Twilio JSON on the way out. */

export type MessageStatus =
  | 'accepted'
  | 'scheduled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'read'
  | 'receiving'
  | 'received'
  | 'canceled'
  | 'partially_delivered';

export interface EmulatedMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  statusCallback: string | null;
  status: MessageStatus;
  direction: 'outbound-api' | 'inbound';
  numSegments: number;
  errorCode: number | null;
  errorMessage: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  /** Every form field as sent, for assertions on fields the emulator does not model. */
  params: Record<string, string | string[]>;
}

export type CallStatus =
  'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

export const TERMINAL_CALL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

export interface CallModification {
  at: Date;
  twiml?: string;
  url?: string;
  status?: string;
  params: Record<string, string | string[]>;
}

export interface EmulatedCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  url: string | null;
  twiml: string | null;
  applicationSid: string | null;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  record: boolean;
  timeoutSeconds: number;
  machineDetection: string | null;
  status: CallStatus;
  /** `outbound-dial`: a leg a `<Dial>` in the parent call's TwiML started. */
  direction: 'outbound-api' | 'inbound' | 'outbound-dial';
  /** The call whose `<Dial>` started this leg; null for calls created through the API. */
  parentCallSid: string | null;
  answeredBy: string | null;
  startTime: Date | null;
  endTime: Date | null;
  dateCreated: Date;
  dateUpdated: Date;
  modifications: CallModification[];
  params: Record<string, string | string[]>;
}

/** Twilio's recording statuses (`processing` between the call's end and `completed`). */
type RecordingStatus = 'in-progress' | 'paused' | 'stopped' | 'processing' | 'completed' | 'absent';

/** A call recording started through `POST /Calls/{CallSid}/Recordings.json`. */
export interface EmulatedRecording {
  sid: string;
  accountSid: string;
  callSid: string;
  status: RecordingStatus;
  channels: 'mono' | 'dual';
  track: 'inbound' | 'outbound' | 'both';
  trim: 'trim-silence' | 'do-not-trim';
  recordingStatusCallback: string | null;
  recordingStatusCallbackMethod: 'GET' | 'POST';
  recordingStatusCallbackEvents: string[];
  startTime: Date;
  /** Known once the recording is completed. */
  durationSeconds: number | null;
  dateCreated: Date;
  dateUpdated: Date;
  params: Record<string, string | string[]>;
}

export type ConversationState = 'initializing' | 'inactive' | 'active' | 'closed';

export interface EmulatedConversation {
  sid: string;
  accountSid: string;
  chatServiceSid: string;
  messagingServiceSid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  attributes: string;
  state: ConversationState;
  timers: { inactive?: string; closed?: string };
  dateCreated: Date;
  dateUpdated: Date;
  /** Next message index: Twilio numbers messages per conversation from 0. */
  nextMessageIndex: number;
}

export interface MessagingBinding {
  type: 'sms' | 'whatsapp';
  address: string;
  proxyAddress: string;
}

export interface EmulatedParticipant {
  sid: string;
  accountSid: string;
  conversationSid: string;
  identity: string | null;
  attributes: string;
  messagingBinding: MessagingBinding | null;
  roleSid: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface EmulatedConversationMessage {
  sid: string;
  accountSid: string;
  conversationSid: string;
  index: number;
  author: string;
  body: string | null;
  attributes: string;
  mediaSids: string[];
  participantSid: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  /** Whether the request asked for webhooks (X-Twilio-Webhook-Enabled: true). */
  webhookEnabled: boolean;
}

export type ConversationWebhookTarget = 'webhook' | 'trigger' | 'studio';

/** A conversation-scoped webhook (`/Conversations/{sid}/Webhooks`). */
export interface EmulatedConversationWebhook {
  sid: string;
  accountSid: string;
  conversationSid: string;
  target: ConversationWebhookTarget;
  url: string | null;
  method: 'GET' | 'POST';
  filters: string[];
  triggers: string[];
  flowSid: string | null;
  replayAfter: number | null;
  dateCreated: Date;
  dateUpdated: Date;
}

/** An inbound message's media (resources/media.ts). */
export interface EmulatedMedia {
  accountSid: string;
  messageSid: string;
  /** Where the MediaUrl redirects: the media's bytes, served without credentials. */
  location: string;
}

export class EmulatorStore {
  readonly messages = new Map<string, EmulatedMessage>();
  readonly calls = new Map<string, EmulatedCall>();
  readonly recordings = new Map<string, EmulatedRecording>();
  readonly conversations = new Map<string, EmulatedConversation>();
  readonly participants = new Map<string, EmulatedParticipant>();
  readonly conversationMessages = new Map<string, EmulatedConversationMessage>();
  readonly conversationWebhooks = new Map<string, EmulatedConversationWebhook>();
  /** Recipients that opted out at Twilio (replied STOP): a message to one fails with 21610. */
  readonly unsubscribed = new Set<string>();
  /** Inbound messages' media by MediaSid (resources/media.ts). */
  readonly media = new Map<string, EmulatedMedia>();

  reset(): void {
    this.unsubscribed.clear();
    this.media.clear();
    this.messages.clear();
    this.calls.clear();
    this.recordings.clear();
    this.conversations.clear();
    this.participants.clear();
    this.conversationMessages.clear();
    this.conversationWebhooks.clear();
  }

  /** Conversations can be addressed by sid or by unique name, as on Twilio. */
  findConversation(accountSid: string, sidOrUniqueName: string): EmulatedConversation | undefined {
    for (const conversation of this.conversations.values()) {
      if (conversation.accountSid !== accountSid) continue;
      if (conversation.sid === sidOrUniqueName || conversation.uniqueName === sidOrUniqueName) return conversation;
    }
    return undefined;
  }

  deleteConversation(sid: string): void {
    this.conversations.delete(sid);
    for (const [key, participant] of this.participants)
      if (participant.conversationSid === sid) this.participants.delete(key);
    for (const [key, message] of this.conversationMessages)
      if (message.conversationSid === sid) this.conversationMessages.delete(key);
    for (const [key, webhook] of this.conversationWebhooks)
      if (webhook.conversationSid === sid) this.conversationWebhooks.delete(key);
  }
}
