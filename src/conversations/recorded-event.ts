/** Conversations post-events we record (lifecycle, participants, delivery) as typed events with stable ids. */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  deliveryEventType,
  type ConversationEvent,
  type ConversationParticipant,
  type ParticipantChannel,
} from './events';
import { ConversationForm, DeliveryForm, ParticipantForm, StateForm } from './webhook-forms';

const BINDING_CHANNELS: Record<string, ParticipantChannel> = { sms: 'sms', chat: 'chat', whatsapp: 'whatsapp' };

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

export function recordedEvent(
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
