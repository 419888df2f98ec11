import { iso8601 } from '../dates';
import { TwilioApiError, invalidParam, notFound } from '../errors';
import { renderV1Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import type { EmulatedParticipant, MessagingBinding } from '../store';
import { CONVERSATIONS_URL, findConversationOr404 } from './conversations';

const BASE = '/conversations/v1/Conversations/{ConversationSid}/Participants';

function renderParticipant(p: EmulatedParticipant): object {
  return {
    account_sid: p.accountSid,
    conversation_sid: p.conversationSid,
    sid: p.sid,
    identity: p.identity,
    attributes: p.attributes,
    messaging_binding: p.messagingBinding
      ? {
          type: p.messagingBinding.type,
          address: p.messagingBinding.address,
          proxy_address: p.messagingBinding.proxyAddress,
        }
      : null,
    role_sid: p.roleSid,
    date_created: iso8601(p.dateCreated),
    date_updated: iso8601(p.dateUpdated),
    url: `${CONVERSATIONS_URL}/${p.conversationSid}/Participants/${p.sid}`,
    last_read_message_index: null,
    last_read_timestamp: null,
  };
}

function participantsOf(ctx: RouteContext, conversationSid: string): EmulatedParticipant[] {
  return [...ctx.store.participants.values()].filter((p) => p.conversationSid === conversationSid);
}

function readBinding(ctx: RouteContext): MessagingBinding | null {
  const address = ctx.form.get('MessagingBinding.Address');
  if (address === undefined) return null;
  const proxyAddress = ctx.form.get('MessagingBinding.ProxyAddress');
  if (!proxyAddress) throw invalidParam(20001, 'MessagingBinding.ProxyAddress is required for a non-chat participant');
  const isWhatsApp = address.startsWith('whatsapp:');
  if (isWhatsApp !== proxyAddress.startsWith('whatsapp:')) {
    throw invalidParam(20001, 'MessagingBinding.Address and MessagingBinding.ProxyAddress must use the same channel');
  }
  return { type: isWhatsApp ? 'whatsapp' : 'sms', address, proxyAddress };
}

function createParticipant(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  const identity = ctx.form.get('Identity') ?? null;
  const binding = readBinding(ctx);
  if (!identity && !binding) {
    throw invalidParam(20001, 'Either Identity or MessagingBinding.Address must be specified');
  }
  const existing = participantsOf(ctx, conversation.sid);
  if (identity && existing.some((p) => p.identity === identity)) {
    throw new TwilioApiError(409, 50433, 'Participant already exists');
  }
  if (
    binding &&
    existing.some(
      (p) =>
        p.messagingBinding?.address === binding.address && p.messagingBinding.proxyAddress === binding.proxyAddress,
    )
  ) {
    throw new TwilioApiError(
      409,
      50416,
      `A binding for this participant and proxy address already exists in Conversation ${conversation.sid}`,
    );
  }
  const now = ctx.now();
  const participant: EmulatedParticipant = {
    sid: newSid('MB'),
    accountSid: ctx.accountSid,
    conversationSid: conversation.sid,
    identity,
    attributes: ctx.form.get('Attributes') ?? '{}',
    messagingBinding: binding,
    roleSid: ctx.form.get('RoleSid') ?? newSid('RL'),
    dateCreated: now,
    dateUpdated: now,
  };
  ctx.store.participants.set(participant.sid, participant);
  return { status: 201, body: renderParticipant(participant) };
}

function listParticipants(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  return {
    status: 200,
    body: renderV1Page({
      key: 'participants',
      listUrl: `${CONVERSATIONS_URL}/${conversation.sid}/Participants`,
      all: participantsOf(ctx, conversation.sid),
      query: ctx.query,
      render: renderParticipant,
    }),
  };
}

/** Participants are addressable by sid or identity. */
function findParticipantOr404(ctx: RouteContext): EmulatedParticipant {
  const conversation = findConversationOr404(ctx);
  const key = ctx.pathParams.Sid ?? '';
  const participant = participantsOf(ctx, conversation.sid).find((p) => p.sid === key || p.identity === key);
  if (!participant) throw notFound(ctx.twilioPath);
  return participant;
}

function fetchParticipant(ctx: RouteContext) {
  return { status: 200, body: renderParticipant(findParticipantOr404(ctx)) };
}

function deleteParticipant(ctx: RouteContext) {
  ctx.store.participants.delete(findParticipantOr404(ctx).sid);
  return { status: 204 };
}

export const participantRoutes: Route[] = [
  { method: 'POST', pattern: BASE, handler: createParticipant },
  { method: 'GET', pattern: BASE, handler: listParticipants },
  { method: 'GET', pattern: `${BASE}/{Sid}`, handler: fetchParticipant },
  { method: 'DELETE', pattern: `${BASE}/{Sid}`, handler: deleteParticipant },
];
