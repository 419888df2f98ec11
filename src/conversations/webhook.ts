import { createHash } from 'node:crypto';
import { z } from 'zod';
import { flattenForm, type FormParams } from '../messaging/inbound';
import {
  CONVERSATION_STATES,
  deliveryEventType,
  type ConversationEvent,
  type ConversationParticipant,
  type ConversationState,
  type DeliveryStatus,
  type ParticipantChannel,
} from './events';

/**
 * Parses Twilio Conversations webhooks (form-encoded, one URL for every EventType) into typed
 * values. Garbage throws a ZodError whose issue path names the bad field.
 */

export interface ConversationPreEvent {
  eventType: string;
  accountSid: string;
  conversationSid?: string;
  /** Every field as sent: what a future veto/edit policy would look at. */
  fields: Record<string, string | undefined>;
}

export interface ConversationMedia {
  sid: string;
  contentType: string;
  filename?: string;
  size?: number;
}

export interface ConversationMessageAdded {
  accountSid: string;
  conversationSid: string;
  messageSid: string;
  author: string;
  body: string;
  index?: number;
  participantSid?: string;
  /** Raw JSON string, as Twilio sends it. */
  attributes?: string;
  media: ConversationMedia[];
  chatServiceSid?: string;
  source?: string;
  dateCreated?: string;
}

export type ConversationWebhook =
  | { kind: 'pre-event'; preEvent: ConversationPreEvent }
  | { kind: 'message-added'; message: ConversationMessageAdded }
  | { kind: 'recorded'; event: ConversationEvent }
  /** A post-event we acknowledge but do not act on (onMessageUpdated, onUserAdded, ...). */
  | { kind: 'not-handled'; eventType: string };

const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a Twilio ${prefix} sid`);
const accountSid = sid('AC');
const twilioDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date');
const state = z.enum(CONVERSATION_STATES as [ConversationState, ...ConversationState[]]);

/** Pre-events end in Add/Update/Remove (Twilio waits for our answer); post-events in -ed. */
const PRE_EVENT = /^on[A-Z][A-Za-z]*(Add|Update|Remove)$/;
const POST_EVENT = /^on[A-Z][A-Za-z]*(Added|Updated|Removed)$/;

const Envelope = z.object({
  EventType: z.string().regex(/^on[A-Z][A-Za-z]+$/, 'must be a Conversations event type (onMessageAdded, ...)'),
  AccountSid: accountSid,
  Source: z.string().optional(),
});

const MediaItem = z
  .object({
    Sid: sid('ME').optional(),
    sid: sid('ME').optional(),
    ContentType: z.string().min(1).optional(),
    content_type: z.string().min(1).optional(),
    Filename: z.string().nullish(),
    filename: z.string().nullish(),
    Size: z.coerce.number().int().nonnegative().optional(),
    size: z.coerce.number().int().nonnegative().optional(),
  })
  .transform((m, ctx): ConversationMedia => {
    const mediaSid = m.Sid ?? m.sid;
    if (!mediaSid) {
      ctx.addIssue({ code: 'custom', message: 'every media item needs a Sid' });
      return z.NEVER;
    }
    const filename = m.Filename ?? m.filename;
    const size = m.Size ?? m.size;
    return {
      sid: mediaSid,
      contentType: m.ContentType ?? m.content_type ?? 'application/octet-stream',
      ...(filename ? { filename } : {}),
      ...(size !== undefined ? { size } : {}),
    };
  });

/** `Media` arrives as a JSON string inside the form. */
const MediaJson = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of media' });
      return z.NEVER;
    }
  })
  .pipe(z.array(MediaItem).max(10));

const MessageAddedForm = z.object({
  ConversationSid: sid('CH'),
  MessageSid: sid('IM'),
  Author: z.string().min(1),
  Body: z.string().default(''),
  Index: z.coerce.number().int().nonnegative().optional(),
  ParticipantSid: sid('MB').optional(),
  Attributes: z.string().optional(),
  Media: MediaJson.optional(),
  ChatServiceSid: sid('IS').optional(),
  DateCreated: twilioDate.optional(),
});

const ConversationForm = z.object({
  ConversationSid: sid('CH'),
  FriendlyName: z.string().optional(),
  UniqueName: z.string().optional(),
  State: state.optional(),
  DateCreated: twilioDate.optional(),
  DateUpdated: twilioDate.optional(),
});

const StateForm = z.object({
  ConversationSid: sid('CH'),
  StateFrom: state,
  StateTo: state,
  StateUpdated: twilioDate.optional(),
  Reason: z.string().optional(),
});

const BINDING_CHANNELS: Record<string, ParticipantChannel> = { sms: 'sms', chat: 'chat', whatsapp: 'whatsapp' };

const ParticipantForm = z.object({
  ConversationSid: sid('CH'),
  ParticipantSid: sid('MB'),
  Identity: z.string().optional(),
  'MessagingBinding.Address': z.string().optional(),
  'MessagingBinding.ProxyAddress': z.string().optional(),
  'MessagingBinding.Type': z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['sms', 'chat', 'whatsapp']))
    .optional(),
  DateCreated: twilioDate.optional(),
  DateUpdated: twilioDate.optional(),
});

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['sent', 'delivered', 'read', 'failed', 'undelivered'];

const DeliveryForm = z.object({
  ConversationSid: sid('CH'),
  MessageSid: sid('IM'),
  DeliveryReceiptSid: sid('DY'),
  Status: z.enum(DELIVERY_STATUSES as [DeliveryStatus, ...DeliveryStatus[]]),
  ErrorCode: z.coerce.number().int().nonnegative().optional(),
  ChannelMessageSid: z.string().optional(),
  ParticipantSid: sid('MB').optional(),
  DateCreated: twilioDate.optional(),
  DateUpdated: twilioDate.optional(),
});

function isoOr(now: Date, ...dates: Array<string | undefined>): string {
  const first = dates.find((d) => d !== undefined);
  return first ? new Date(first).toISOString() : now.toISOString();
}

/** A stable key for a webhook that carries no distinguishing date: identical redeliveries agree. */
function fingerprint(flat: Record<string, string | undefined>): string {
  const canonical = Object.keys(flat)
    .sort()
    .map((k) => `${k}=${flat[k] ?? ''}`)
    .join('&');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

function participantFrom(form: z.infer<typeof ParticipantForm>): ConversationParticipant {
  const address = form['MessagingBinding.Address'];
  const proxyAddress = form['MessagingBinding.ProxyAddress'];
  const bindingType = form['MessagingBinding.Type'];
  const channel: ParticipantChannel | undefined = bindingType
    ? BINDING_CHANNELS[bindingType]
    : form.Identity
      ? 'chat'
      : address?.startsWith('whatsapp:')
        ? 'whatsapp'
        : address
          ? 'sms'
          : undefined;
  return {
    sid: form.ParticipantSid,
    ...(form.Identity ? { identity: form.Identity } : {}),
    ...(address ? { address } : {}),
    ...(proxyAddress ? { proxyAddress } : {}),
    ...(channel ? { channel } : {}),
  };
}

function recordedEvent(
  eventType: string,
  base: { accountSid: string; source?: string },
  flat: Record<string, string | undefined>,
  now: Date,
): ConversationEvent | undefined {
  const common = {
    accountSid: base.accountSid,
    twilioEventType: eventType,
    ...(base.source ? { source: base.source } : {}),
  };
  switch (eventType) {
    case 'onConversationAdded':
    case 'onConversationUpdated':
    case 'onConversationRemoved': {
      const f = ConversationForm.parse(flat);
      const type =
        eventType === 'onConversationAdded'
          ? 'conversation.created'
          : eventType === 'onConversationRemoved'
            ? 'conversation.removed'
            : 'conversation.updated';
      // A conversation is created and removed once; updates are told apart by Twilio's DateUpdated.
      const key =
        type === 'conversation.updated'
          ? `${f.ConversationSid}:${f.DateUpdated ?? fingerprint(flat)}`
          : f.ConversationSid;
      const conversation = {
        ...(f.FriendlyName ? { friendlyName: f.FriendlyName } : {}),
        ...(f.UniqueName ? { uniqueName: f.UniqueName } : {}),
        ...(f.State ? { state: f.State } : {}),
      };
      return {
        ...common,
        type,
        id: `${type}:${key}`,
        conversationSid: f.ConversationSid,
        occurredAt: isoOr(now, f.DateUpdated, f.DateCreated),
        conversation,
      };
    }
    case 'onConversationStateUpdated': {
      const f = StateForm.parse(flat);
      // Closed is terminal on Twilio, so one close per conversation; other transitions can repeat.
      const type = f.StateTo === 'closed' ? 'conversation.closed' : 'conversation.state_changed';
      const key =
        type === 'conversation.closed'
          ? f.ConversationSid
          : `${f.ConversationSid}:${f.StateFrom}-${f.StateTo}:${f.StateUpdated ?? fingerprint(flat)}`;
      return {
        ...common,
        type,
        id: `${type}:${key}`,
        conversationSid: f.ConversationSid,
        occurredAt: isoOr(now, f.StateUpdated),
        from: f.StateFrom,
        to: f.StateTo,
        ...(f.Reason ? { reason: f.Reason } : {}),
      };
    }
    case 'onParticipantAdded':
    case 'onParticipantRemoved': {
      const f = ParticipantForm.parse(flat);
      const type = eventType === 'onParticipantAdded' ? 'participant.added' : 'participant.removed';
      // Participant sids are never reused: each is added once and removed once.
      return {
        ...common,
        type,
        id: `${type}:${f.ParticipantSid}`,
        conversationSid: f.ConversationSid,
        occurredAt: isoOr(now, f.DateUpdated, f.DateCreated),
        participant: participantFrom(f),
      };
    }
    case 'onDeliveryUpdated': {
      const f = DeliveryForm.parse(flat);
      const type = deliveryEventType(f.Status);
      const delivery = {
        messageSid: f.MessageSid,
        receiptSid: f.DeliveryReceiptSid,
        status: f.Status,
        // Twilio sends ErrorCode=0 on successful receipts.
        ...(f.ErrorCode ? { errorCode: f.ErrorCode } : {}),
        ...(f.ChannelMessageSid ? { channelMessageSid: f.ChannelMessageSid } : {}),
        ...(f.ParticipantSid ? { participantSid: f.ParticipantSid } : {}),
      };
      return {
        ...common,
        type,
        id: `${type}:${f.DeliveryReceiptSid}:${f.Status}`,
        conversationSid: f.ConversationSid,
        occurredAt: isoOr(now, f.DateUpdated, f.DateCreated),
        delivery,
      };
    }
    default:
      return undefined;
  }
}

export function parseConversationWebhook(params: FormParams, now: Date = new Date()): ConversationWebhook {
  const flat = flattenForm(params);
  const envelope = Envelope.parse(flat);
  const eventType = envelope.EventType;
  const base = { accountSid: envelope.AccountSid, ...(envelope.Source ? { source: envelope.Source } : {}) };

  if (PRE_EVENT.test(eventType)) {
    const conversationSid = flat.ConversationSid;
    return {
      kind: 'pre-event',
      preEvent: {
        eventType,
        accountSid: base.accountSid,
        ...(conversationSid ? { conversationSid } : {}),
        fields: flat,
      },
    };
  }
  if (eventType === 'onMessageAdded') {
    const f = MessageAddedForm.parse(flat);
    const message: ConversationMessageAdded = {
      accountSid: base.accountSid,
      conversationSid: f.ConversationSid,
      messageSid: f.MessageSid,
      author: f.Author,
      body: f.Body,
      media: f.Media ?? [],
      ...(f.Index !== undefined ? { index: f.Index } : {}),
      ...(f.ParticipantSid ? { participantSid: f.ParticipantSid } : {}),
      ...(f.Attributes ? { attributes: f.Attributes } : {}),
      ...(f.ChatServiceSid ? { chatServiceSid: f.ChatServiceSid } : {}),
      ...(base.source ? { source: base.source } : {}),
      ...(f.DateCreated ? { dateCreated: new Date(f.DateCreated).toISOString() } : {}),
    };
    return { kind: 'message-added', message };
  }
  const event = recordedEvent(eventType, base, flat, now);
  if (event) return { kind: 'recorded', event };
  if (POST_EVENT.test(eventType)) return { kind: 'not-handled', eventType };
  throw new z.ZodError([
    { code: 'custom', path: ['EventType'], message: `unknown Conversations event ${eventType}`, input: eventType },
  ]);
}
