import { ApplicationFailure, Context } from '@temporalio/activity';
import type twilio from 'twilio';
import type { Config } from '../src/config/schema';
import type { ConversationStore } from '../src/conversations/conversation-store';
import {
  eventData,
  type ConversationEvent,
  type ConversationParticipant,
  type ConversationState,
  type ParticipantChannel,
} from '../src/conversations/events';
import type {
  AddParticipantInput,
  CloseConversationInput,
  ConversationSummary,
  CreateConversationInput,
  ParticipantSummary,
  RemoveParticipantInput,
} from '../src/conversations/operations';
import { makeEvent } from '../src/events/make-event';
import type { PublishEvent } from '../src/events/publish';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { callbackUrls } from '../src/telephony/twilio/callback-urls';
import { twilioErrorCode } from '../src/telephony/twilio/errors';
import { twilioFailure } from '../src/telephony/twilio/errors';

export interface ConversationDeps {
  config: () => Config;
  twilio: TwilioAccounts;
  publish: PublishEvent;
  conversations: ConversationStore;
}

/** Twilio codes for "this participant is already in the conversation" (by identity / by binding). */
const PARTICIPANT_EXISTS = new Set([50433, 50416]);
/** Twilio code for "a conversation with this unique name exists". */
const UNIQUE_NAME_TAKEN = 50353;

/**
 * Lifecycle changes ask Twilio for their post-event webhooks (X-Twilio-Webhook-Enabled), so the
 * same onParticipantAdded/... path records them as events whoever made the change.
 */
const WITH_WEBHOOKS = { xTwilioWebhookEnabled: 'true' } as const;

/** On a retried attempt an error may only mean that an earlier attempt already did the work. */
function isRetryAttempt(): boolean {
  return Context.current().info.attempt > 1;
}

function clientFor(deps: ConversationDeps, accountSid: string): twilio.Twilio {
  if (!deps.twilio.get(accountSid))
    throw ApplicationFailure.nonRetryable(`Twilio account ${accountSid} is not configured`, 'UnknownAccount');
  return deps.twilio.client(accountSid);
}

interface TwilioParticipant {
  sid: string;
  identity: string | null;
  /** The SDK hands `messaging_binding` through as raw JSON (snake_case). */
  messagingBinding: { type?: string; address?: string; proxy_address?: string } | null;
}

function toParticipant(p: TwilioParticipant): ConversationParticipant {
  const binding = p.messagingBinding;
  const channel: ParticipantChannel | undefined = p.identity
    ? 'chat'
    : binding?.type === 'whatsapp' || binding?.type === 'sms'
      ? binding.type
      : undefined;
  return {
    sid: p.sid,
    ...(p.identity ? { identity: p.identity } : {}),
    ...(binding?.address ? { address: binding.address } : {}),
    ...(binding?.proxy_address ? { proxyAddress: binding.proxy_address } : {}),
    ...(channel ? { channel } : {}),
  };
}

async function existingParticipant(
  client: twilio.Twilio,
  input: AddParticipantInput,
): Promise<TwilioParticipant | undefined> {
  const participants = client.conversations.v1.conversations(input.conversationSid).participants;
  // Twilio fetches a participant by sid or by identity.
  if ('identity' in input) return participants(input.identity).fetch();
  const all = await participants.list({ limit: 1000 });
  return all.find((p) => {
    const known = toParticipant(p);
    return known.address === input.address && known.proxyAddress === input.proxyAddress;
  });
}

interface ScopedWebhook {
  url: string;
  filters: string[];
}

/** Only an explicitly configured URL gets a per-conversation webhook; otherwise the service-level webhook serves. */
function scopedWebhookFor(config: Config, accountSid: string): ScopedWebhook | undefined {
  const configured = config.twilio.accounts.find((a) => a.accountSid === accountSid)?.callbacks.conversationsWebhookUrl;
  if (!configured) return undefined;
  const urls = callbackUrls(config, accountSid);
  return { url: urls.conversationsWebhook, filters: urls.conversationsWebhookFilters };
}

/** Adds the scoped webhook unless an earlier attempt already did (Twilio would happily add a second). */
async function ensureScopedWebhook(
  client: twilio.Twilio,
  conversationSid: string,
  webhook: ScopedWebhook,
): Promise<void> {
  const webhooks = client.conversations.v1.conversations(conversationSid).webhooks;
  const existing = await webhooks.list();
  // The SDK types `configuration` as any: read only the url, defensively.
  const urlOf = (configuration: unknown) =>
    typeof configuration === 'object' && configuration !== null ? (configuration as { url?: unknown }).url : undefined;
  if (existing.some((w) => w.target === 'webhook' && urlOf(w.configuration) === webhook.url)) return;
  // The SDK's method enum is lower-case; Twilio takes either.
  await webhooks.create({
    target: 'webhook',
    'configuration.url': webhook.url,
    'configuration.method': 'post',
    'configuration.filters': webhook.filters,
  });
}

export function createConversationActivities(deps: ConversationDeps) {
  return {
    /**
     * Appends a Conversations event to the EventLog (same id twice is a no-op) and applies it to
     * the conversation's record. The record is updated even when the event was already logged:
     * a retry after a crash between the two steps finishes the job.
     */
    async recordConversationEvent(event: ConversationEvent): Promise<{ recorded: boolean }> {
      const { recorded } = await deps.publish(
        makeEvent(event.type, {
          id: event.id,
          occurredAt: event.occurredAt,
          accountSid: event.accountSid,
          data: eventData(event),
        }),
      );
      await deps.conversations.applyEvent(event);
      return { recorded };
    },

    async createConversation(input: CreateConversationInput): Promise<ConversationSummary> {
      const client = clientFor(deps, input.accountSid);
      let created;
      try {
        created = await client.conversations.v1.conversations.create({
          friendlyName: input.friendlyName,
          ...(input.uniqueName ? { uniqueName: input.uniqueName } : {}),
          ...WITH_WEBHOOKS,
        });
      } catch (error) {
        // Twilio created it but the answer was lost: the retry finds the unique name taken by it.
        // (Without a unique name such a retry can create a second conversation.)
        if (!(input.uniqueName && isRetryAttempt() && twilioErrorCode(error) === UNIQUE_NAME_TAKEN))
          throw twilioFailure(error, 'create the conversation');
        created = await client.conversations.v1
          .conversations(input.uniqueName)
          .fetch()
          .catch((e: unknown) => {
            throw twilioFailure(e, 'fetch the conversation');
          });
      }
      const webhook = scopedWebhookFor(deps.config(), input.accountSid);
      if (webhook) {
        try {
          await ensureScopedWebhook(client, created.sid, webhook);
        } catch (error) {
          const failure = twilioFailure(error, 'add the conversation webhook');
          // A retry finds the conversation again only by its unique name; otherwise (or when no retry
          // follows) remove it, best effort, so a failed create leaves no conversation behind.
          if (!input.uniqueName || failure.nonRetryable)
            await client.conversations.v1
              .conversations(created.sid)
              .remove(WITH_WEBHOOKS)
              .catch(() => undefined);
          throw failure;
        }
      }
      const state: ConversationState = created.state;
      const names = {
        ...(created.friendlyName ? { friendlyName: created.friendlyName } : {}),
        ...(created.uniqueName ? { uniqueName: created.uniqueName } : {}),
      };
      await deps.conversations.noteCreated(
        created.sid,
        input.accountSid,
        { ...names, state },
        created.dateUpdated ?? new Date(),
      );
      return {
        sid: created.sid,
        accountSid: input.accountSid,
        friendlyName: created.friendlyName ?? null,
        uniqueName: created.uniqueName ?? null,
        state,
      };
    },

    async addConversationParticipant(input: AddParticipantInput): Promise<ParticipantSummary> {
      const client = clientFor(deps, input.accountSid);
      const target =
        'identity' in input
          ? { identity: input.identity }
          : { 'messagingBinding.address': input.address, 'messagingBinding.proxyAddress': input.proxyAddress };
      let added: TwilioParticipant | undefined;
      let addedAt = new Date();
      try {
        const created = await client.conversations.v1
          .conversations(input.conversationSid)
          .participants.create({ ...target, ...WITH_WEBHOOKS });
        added = created;
        addedAt = created.dateCreated ?? addedAt;
      } catch (error) {
        // "Already a participant" on a retry: the earlier attempt added them.
        if (!(isRetryAttempt() && PARTICIPANT_EXISTS.has(twilioErrorCode(error) ?? 0)))
          throw twilioFailure(error, 'add the participant');
        added = await existingParticipant(client, input).catch((e: unknown) => {
          throw twilioFailure(e, 'fetch the participant');
        });
        if (!added)
          throw ApplicationFailure.retryable(
            'Twilio says the participant exists but it was not found',
            'ParticipantNotFound',
          );
      }
      const participant = toParticipant(added);
      await deps.conversations.noteParticipantAdded(input.conversationSid, input.accountSid, participant, addedAt);
      return { ...participant, conversationSid: input.conversationSid };
    },

    async removeConversationParticipant(
      input: RemoveParticipantInput,
    ): Promise<{ conversationSid: string; participantSid: string; removed: true }> {
      const client = clientFor(deps, input.accountSid);
      try {
        await client.conversations.v1
          .conversations(input.conversationSid)
          .participants(input.participantSid)
          .remove(WITH_WEBHOOKS);
      } catch (error) {
        // 404 on a retry: the earlier attempt removed them. On a first attempt it is a wrong sid.
        if (!(isRetryAttempt() && (error as { status?: unknown }).status === 404))
          throw twilioFailure(error, 'remove the participant');
      }
      await deps.conversations.noteParticipantRemoved(
        input.conversationSid,
        input.accountSid,
        input.participantSid,
        new Date(),
      );
      return { conversationSid: input.conversationSid, participantSid: input.participantSid, removed: true };
    },

    async closeConversation(input: CloseConversationInput): Promise<ConversationSummary> {
      const client = clientFor(deps, input.accountSid);
      const conversation = client.conversations.v1.conversations(input.conversationSid);
      let closed;
      try {
        closed = await conversation.update({ state: 'closed', ...WITH_WEBHOOKS });
      } catch (error) {
        // A retry may find the conversation already closed by the earlier attempt: that is success.
        const current = isRetryAttempt() ? await conversation.fetch().catch(() => undefined) : undefined;
        if (current?.state !== 'closed') throw twilioFailure(error, 'close the conversation');
        closed = current;
      }
      await deps.conversations.noteClosed(closed.sid, input.accountSid, closed.dateUpdated ?? new Date());
      return {
        sid: closed.sid,
        accountSid: input.accountSid,
        friendlyName: closed.friendlyName ?? null,
        uniqueName: closed.uniqueName ?? null,
        state: 'closed',
      };
    },
  };
}
