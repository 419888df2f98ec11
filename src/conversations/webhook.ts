import { z } from 'zod';
import { flattenForm, type FormParams } from '../messaging/inbound';
import type { ConversationEvent } from './events';
import { recordedEvent } from './recorded-event';
import { Envelope, MessageAddedForm, type ConversationMedia } from './webhook-forms';

export type { ConversationMedia } from './webhook-forms';

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

/** Pre-events end in Add/Update/Remove (Twilio waits for our answer); post-events in -ed. */
const PRE_EVENT = /^on[A-Z][A-Za-z]*(Add|Update|Remove)$/;
const POST_EVENT = /^on[A-Z][A-Za-z]*(Added|Updated|Removed)$/;

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
