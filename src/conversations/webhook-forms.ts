/** The zod forms of Twilio Conversations webhooks (form-encoded): each names the field that is wrong. */
import { z } from 'zod';
import { CONVERSATION_STATES, type ConversationState, type DeliveryStatus } from './events';

export interface ConversationMedia {
  sid: string;
  contentType: string;
  filename?: string;
  size?: number;
}

const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a Twilio ${prefix} sid`);
const accountSid = sid('AC');
const twilioDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date');
const state = z.enum(CONVERSATION_STATES as [ConversationState, ...ConversationState[]]);

export const Envelope = z.object({
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

export const MessageAddedForm = z.object({
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

export const ConversationForm = z.object({
  ConversationSid: sid('CH'),
  FriendlyName: z.string().optional(),
  UniqueName: z.string().optional(),
  State: state.optional(),
  DateCreated: twilioDate.optional(),
  DateUpdated: twilioDate.optional(),
});

export const StateForm = z.object({
  ConversationSid: sid('CH'),
  StateFrom: state,
  StateTo: state,
  StateUpdated: twilioDate.optional(),
  Reason: z.string().optional(),
});

export const ParticipantForm = z.object({
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

export const DeliveryForm = z.object({
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
