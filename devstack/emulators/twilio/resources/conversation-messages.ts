import { iso8601 } from '../dates';
import { invalidParam, notFound } from '../errors';
import { renderV1Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import type { EmulatedConversationMessage } from '../store';
import { CONVERSATIONS_URL, findConversationOr404 } from './conversations';

const BASE = '/conversations/v1/Conversations/{ConversationSid}/Messages';

function renderConversationMessage(m: EmulatedConversationMessage): object {
  const url = `${CONVERSATIONS_URL}/${m.conversationSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    conversation_sid: m.conversationSid,
    sid: m.sid,
    index: m.index,
    author: m.author,
    body: m.body,
    media:
      m.mediaSids.length > 0
        ? m.mediaSids.map((sid) => ({
            sid,
            size: 0,
            content_type: 'application/octet-stream',
            filename: null,
            category: 'media',
          }))
        : null,
    attributes: m.attributes,
    participant_sid: m.participantSid,
    date_created: iso8601(m.dateCreated),
    date_updated: iso8601(m.dateUpdated),
    url,
    delivery: null,
    links: { delivery_receipts: `${url}/Receipts`, channel_metadata: `${url}/ChannelMetadata` },
    content_sid: null,
  };
}

function messagesOf(ctx: RouteContext, conversationSid: string): EmulatedConversationMessage[] {
  return [...ctx.store.conversationMessages.values()].filter((m) => m.conversationSid === conversationSid);
}

function createConversationMessage(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  const body = ctx.form.get('Body') ?? null;
  const mediaSids = ctx.form.getAll('MediaSid');
  if (!body && mediaSids.length === 0 && !ctx.form.get('ContentSid')) {
    throw invalidParam(20001, 'Either Body, MediaSid or ContentSid must be specified');
  }
  const author = ctx.form.get('Author') ?? 'system';
  const participant = [...ctx.store.participants.values()].find(
    (p) => p.conversationSid === conversation.sid && (p.identity === author || p.messagingBinding?.address === author),
  );
  const now = ctx.now();
  const message: EmulatedConversationMessage = {
    sid: newSid('IM'),
    accountSid: ctx.accountSid,
    conversationSid: conversation.sid,
    index: conversation.nextMessageIndex++,
    author,
    body,
    attributes: ctx.form.get('Attributes') ?? '{}',
    mediaSids,
    participantSid: participant?.sid ?? null,
    dateCreated: now,
    dateUpdated: now,
    webhookEnabled: String(ctx.headers['x-twilio-webhook-enabled']).toLowerCase() === 'true',
  };
  ctx.store.conversationMessages.set(message.sid, message);
  return { status: 201, body: renderConversationMessage(message) };
}

function listConversationMessages(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  const all = messagesOf(ctx, conversation.sid);
  if (ctx.query.get('Order') === 'desc') all.reverse();
  return {
    status: 200,
    body: renderV1Page({
      key: 'messages',
      listUrl: `${CONVERSATIONS_URL}/${conversation.sid}/Messages`,
      all,
      query: ctx.query,
      render: renderConversationMessage,
    }),
  };
}

function fetchConversationMessage(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  const key = ctx.pathParams.Sid ?? '';
  const message = messagesOf(ctx, conversation.sid).find((m) => m.sid === key || String(m.index) === key);
  if (!message) throw notFound(ctx.twilioPath);
  return { status: 200, body: renderConversationMessage(message) };
}

export const conversationMessageRoutes: Route[] = [
  { method: 'POST', pattern: BASE, handler: createConversationMessage },
  { method: 'GET', pattern: BASE, handler: listConversationMessages },
  { method: 'GET', pattern: `${BASE}/{Sid}`, handler: fetchConversationMessage },
];
