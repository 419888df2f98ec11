import { createHash } from 'node:crypto';
import { iso8601 } from '../dates';
import { TwilioApiError, invalidParam, notFound } from '../errors';
import { renderV1Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import type { ConversationState, EmulatedConversation } from '../store';

export const CONVERSATIONS_URL = 'https://conversations.twilio.com/v1/Conversations';
const BASE = '/conversations/v1/Conversations';
const STATES: readonly ConversationState[] = ['inactive', 'active', 'closed'];

/** Stable per-account sids for the account's default Conversations and Messaging services. */
function defaultServiceSid(prefix: string, accountSid: string): string {
  return prefix + createHash('md5').update(`${prefix}:${accountSid}`).digest('hex');
}

/** ISO 8601 durations as Twilio timers take them: PT5M, PT1H, P1D, PT90S. */
function durationMs(duration: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function renderConversation(c: EmulatedConversation): object {
  const url = `${CONVERSATIONS_URL}/${c.sid}`;
  const timers: Record<string, string> = {};
  for (const [name, key] of [
    ['inactive', 'date_inactive'],
    ['closed', 'date_closed'],
  ] as const) {
    const ms = c.timers[name] ? durationMs(c.timers[name]) : undefined;
    if (ms !== undefined) timers[key] = iso8601(new Date(c.dateUpdated.getTime() + ms));
  }
  return {
    account_sid: c.accountSid,
    chat_service_sid: c.chatServiceSid,
    messaging_service_sid: c.messagingServiceSid,
    sid: c.sid,
    friendly_name: c.friendlyName,
    unique_name: c.uniqueName,
    attributes: c.attributes,
    state: c.state,
    date_created: iso8601(c.dateCreated),
    date_updated: iso8601(c.dateUpdated),
    timers,
    url,
    links: { participants: `${url}/Participants`, messages: `${url}/Messages`, webhooks: `${url}/Webhooks` },
    bindings: null,
  };
}

export function findConversationOr404(ctx: RouteContext): EmulatedConversation {
  const conversation = ctx.store.findConversation(ctx.accountSid, ctx.pathParams.ConversationSid ?? '');
  if (!conversation) throw notFound(ctx.twilioPath);
  return conversation;
}

/** Applies the writable fields shared by create and update; validates before mutating anything. */
function applyFields(ctx: RouteContext, conversation: EmulatedConversation): void {
  const state = ctx.form.get('State');
  if (state !== undefined && !STATES.includes(state as ConversationState)) {
    throw invalidParam(20001, `Invalid State: ${state}`);
  }
  const uniqueName = ctx.form.get('UniqueName');
  if (uniqueName !== undefined) {
    const owner = ctx.store.findConversation(ctx.accountSid, uniqueName);
    if (owner && owner.sid !== conversation.sid) {
      throw new TwilioApiError(409, 50353, 'Conversation with provided unique name already exists');
    }
  }
  for (const timer of ['Inactive', 'Closed'] as const) {
    const value = ctx.form.get(`Timers.${timer}`);
    if (value !== undefined && durationMs(value) === undefined) {
      throw invalidParam(20001, `Invalid Timers.${timer}: ${value}`);
    }
  }
  if (state !== undefined) conversation.state = state as ConversationState;
  if (uniqueName !== undefined) conversation.uniqueName = uniqueName;
  const friendlyName = ctx.form.get('FriendlyName');
  if (friendlyName !== undefined) conversation.friendlyName = friendlyName;
  const attributes = ctx.form.get('Attributes');
  if (attributes !== undefined) conversation.attributes = attributes;
  const messagingServiceSid = ctx.form.get('MessagingServiceSid');
  if (messagingServiceSid !== undefined) conversation.messagingServiceSid = messagingServiceSid;
  const inactive = ctx.form.get('Timers.Inactive');
  if (inactive !== undefined) conversation.timers.inactive = inactive;
  const closed = ctx.form.get('Timers.Closed');
  if (closed !== undefined) conversation.timers.closed = closed;
}

function createConversation(ctx: RouteContext) {
  const now = ctx.now();
  const conversation: EmulatedConversation = {
    sid: newSid('CH'),
    accountSid: ctx.accountSid,
    chatServiceSid: defaultServiceSid('IS', ctx.accountSid),
    messagingServiceSid: defaultServiceSid('MG', ctx.accountSid),
    friendlyName: null,
    uniqueName: null,
    attributes: '{}',
    state: 'active',
    timers: {},
    dateCreated: now,
    dateUpdated: now,
    nextMessageIndex: 0,
  };
  applyFields(ctx, conversation);
  ctx.store.conversations.set(conversation.sid, conversation);
  return { status: 201, body: renderConversation(conversation) };
}

function listConversations(ctx: RouteContext) {
  const state = ctx.query.get('State');
  const all = [...ctx.store.conversations.values()].filter(
    (c) => c.accountSid === ctx.accountSid && (!state || c.state === state),
  );
  return {
    status: 200,
    body: renderV1Page({
      key: 'conversations',
      listUrl: CONVERSATIONS_URL,
      all,
      query: ctx.query,
      render: renderConversation,
    }),
  };
}

function fetchConversation(ctx: RouteContext) {
  return { status: 200, body: renderConversation(findConversationOr404(ctx)) };
}

function updateConversation(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  applyFields(ctx, conversation);
  conversation.dateUpdated = ctx.now();
  return { status: 200, body: renderConversation(conversation) };
}

function deleteConversation(ctx: RouteContext) {
  ctx.store.deleteConversation(findConversationOr404(ctx).sid);
  return { status: 204 };
}

export const conversationRoutes: Route[] = [
  { method: 'POST', pattern: BASE, handler: createConversation },
  { method: 'GET', pattern: BASE, handler: listConversations },
  { method: 'GET', pattern: `${BASE}/{ConversationSid}`, handler: fetchConversation },
  { method: 'POST', pattern: `${BASE}/{ConversationSid}`, handler: updateConversation },
  { method: 'DELETE', pattern: `${BASE}/{ConversationSid}`, handler: deleteConversation },
];
