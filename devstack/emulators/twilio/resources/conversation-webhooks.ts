import { iso8601 } from '../dates';
import { TwilioApiError, invalidParam, notFound } from '../errors';
import { renderV1Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { isSid, newSid } from '../sids';
import type { ConversationWebhookTarget, EmulatedConversationWebhook } from '../store';
import { CONVERSATIONS_URL, findConversationOr404 } from './conversations';

const BASE = '/conversations/v1/Conversations/{ConversationSid}/Webhooks';
const TARGETS: readonly ConversationWebhookTarget[] = ['webhook', 'trigger', 'studio'];
/** Twilio allows at most five scoped webhooks per conversation. */
const MAX_PER_CONVERSATION = 5;
/** Scoped webhooks only support post-event webhooks (no onMessageAdd-style pre-events). */
const POST_EVENTS: ReadonlySet<string> = new Set([
  'onMessageAdded',
  'onMessageUpdated',
  'onMessageRemoved',
  'onConversationUpdated',
  'onConversationRemoved',
  'onConversationStateUpdated',
  'onParticipantAdded',
  'onParticipantUpdated',
  'onParticipantRemoved',
  'onDeliveryUpdated',
]);

function renderConversationWebhook(w: EmulatedConversationWebhook): object {
  const configuration: Record<string, unknown> = { url: w.url, method: w.method, filters: w.filters };
  if (w.target === 'trigger') configuration.triggers = w.triggers;
  if (w.target === 'studio') configuration.flow_sid = w.flowSid;
  if (w.replayAfter !== null) configuration.replay_after = w.replayAfter;
  return {
    account_sid: w.accountSid,
    conversation_sid: w.conversationSid,
    sid: w.sid,
    target: w.target,
    url: `${CONVERSATIONS_URL}/${w.conversationSid}/Webhooks/${w.sid}`,
    configuration,
    date_created: iso8601(w.dateCreated),
    date_updated: iso8601(w.dateUpdated),
  };
}

function webhooksOf(ctx: RouteContext, conversationSid: string): EmulatedConversationWebhook[] {
  return [...ctx.store.conversationWebhooks.values()].filter((w) => w.conversationSid === conversationSid);
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function readTarget(ctx: RouteContext): ConversationWebhookTarget {
  const target = ctx.form.get('Target');
  if (target === undefined) throw invalidParam(20001, 'Missing required parameter Target in the post body');
  if (!TARGETS.includes(target as ConversationWebhookTarget)) throw invalidParam(20001, `Invalid Target: ${target}`);
  return target as ConversationWebhookTarget;
}

function createConversationWebhook(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  const target = readTarget(ctx);
  const url = ctx.form.get('Configuration.Url') ?? null;
  const method = (ctx.form.get('Configuration.Method') ?? 'POST').toUpperCase();
  const filters = ctx.form.getAll('Configuration.Filters');
  const triggers = ctx.form.getAll('Configuration.Triggers');
  const flowSid = ctx.form.get('Configuration.FlowSid') ?? null;
  const replayAfter = ctx.form.get('Configuration.ReplayAfter');

  if ((target === 'webhook' || target === 'trigger') && !url)
    throw invalidParam(20001, `Configuration.Url is required for target ${target}`);
  if (url !== null && !isAbsoluteHttpUrl(url)) throw invalidParam(20001, `Invalid Configuration.Url: ${url}`);
  if (target === 'trigger' && triggers.length === 0)
    throw invalidParam(20001, 'Configuration.Triggers is required for target trigger');
  if (target === 'studio' && !(flowSid && isSid(flowSid, 'FW')))
    throw invalidParam(20001, 'Configuration.FlowSid must be a Studio Flow sid (FW...) for target studio');
  if (method !== 'GET' && method !== 'POST') throw invalidParam(20001, `Invalid Configuration.Method: ${method}`);
  const unknown = filters.find((f) => !POST_EVENTS.has(f));
  if (unknown !== undefined) throw invalidParam(20001, `Invalid Configuration.Filters: ${unknown}`);
  if (replayAfter !== undefined && !/^\d+$/.test(replayAfter))
    throw invalidParam(20001, `Invalid Configuration.ReplayAfter: ${replayAfter}`);
  if (webhooksOf(ctx, conversation.sid).length >= MAX_PER_CONVERSATION) {
    throw new TwilioApiError(
      400,
      20001,
      `Conversation ${conversation.sid} already has ${MAX_PER_CONVERSATION} webhooks`,
    );
  }

  const now = ctx.now();
  const webhook: EmulatedConversationWebhook = {
    sid: newSid('WH'),
    accountSid: ctx.accountSid,
    conversationSid: conversation.sid,
    target,
    url,
    method,
    filters,
    triggers,
    flowSid,
    replayAfter: replayAfter === undefined ? null : Number(replayAfter),
    dateCreated: now,
    dateUpdated: now,
  };
  ctx.store.conversationWebhooks.set(webhook.sid, webhook);
  return { status: 201, body: renderConversationWebhook(webhook) };
}

function listConversationWebhooks(ctx: RouteContext) {
  const conversation = findConversationOr404(ctx);
  return {
    status: 200,
    body: renderV1Page({
      key: 'webhooks',
      listUrl: `${CONVERSATIONS_URL}/${conversation.sid}/Webhooks`,
      all: webhooksOf(ctx, conversation.sid),
      query: ctx.query,
      render: renderConversationWebhook,
    }),
  };
}

function findWebhookOr404(ctx: RouteContext): EmulatedConversationWebhook {
  const conversation = findConversationOr404(ctx);
  const webhook = webhooksOf(ctx, conversation.sid).find((w) => w.sid === ctx.pathParams.Sid);
  if (!webhook) throw notFound(ctx.twilioPath);
  return webhook;
}

function fetchConversationWebhook(ctx: RouteContext) {
  return { status: 200, body: renderConversationWebhook(findWebhookOr404(ctx)) };
}

function deleteConversationWebhook(ctx: RouteContext) {
  ctx.store.conversationWebhooks.delete(findWebhookOr404(ctx).sid);
  return { status: 204 };
}

export const conversationWebhookRoutes: Route[] = [
  { method: 'POST', pattern: BASE, handler: createConversationWebhook },
  { method: 'GET', pattern: BASE, handler: listConversationWebhooks },
  { method: 'GET', pattern: `${BASE}/{Sid}`, handler: fetchConversationWebhook },
  { method: 'DELETE', pattern: `${BASE}/{Sid}`, handler: deleteConversationWebhook },
];
