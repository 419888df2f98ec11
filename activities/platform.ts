import { ApplicationFailure, Context } from '@temporalio/activity';
import { userMessage } from '../src/agent/chat-items';
import type { ChatModel } from '../src/agent/chat-model';
import type { ToolDeps } from '../src/agents/tools/built-in-tool';
import { escalateToPerson } from '../src/agents/tools/escalate-to-human';
import { parseTwilioAddress } from '../src/messaging/addresses';
import { callbackUrls } from '../src/telephony/twilio/callback-urls';
import { sendSms } from '../src/messaging/send-sms';
import { refuseIfOptedOut } from '../src/messaging/consent-guard';
import { twilioFailure } from '../src/telephony/twilio/errors';
import { transferTwiml } from '../src/voice/twiml';
import { placedCallAnswerUrl } from '../src/voice/answer-url';
import { actOnce } from '../src/storage/side-effects';
import type { Channel } from '../src/messaging/addresses';
import type { ChunkSource, SearchHit, SearchMode, SearchQuery, SearchResult, SourceKind } from '../src/knowledge/types';

export interface PlatformDeps extends Omit<ToolDeps, 'verifications'> {
  chatModel: () => ChatModel | undefined;
  /** Knowledge search (src/knowledge/knowledge.ts): `searchTranscripts` reads conversations through it. */
  knowledge: { search(query: SearchQuery): Promise<SearchResult> };
}

/** What conversations are indexed as (documents are not transcripts). */
type ConversationKind = Exclude<SourceKind, 'document'>;
const CONVERSATION_KINDS: readonly ConversationKind[] = ['call', 'message', 'voice_note', 'image'];
const CHANNELS: readonly Channel[] = ['sms', 'whatsapp', 'conversations', 'voice'];
const MAX_TRANSCRIPT_HITS = 50;

/** One hit of `searchTranscripts`: the fields it always returned, and where the words were said. */
export interface TranscriptHit {
  customerId: string;
  channel: string;
  /** `inbound` for what the customer said or sent, `outbound` for the agent's words. */
  direction: 'inbound' | 'outbound';
  /** The indexed text: who said it, what was said, and the turn or message it answered. */
  body: string;
  at: string;
  /** Rank score (higher is better), comparable within one answer only. */
  score: number;
  snippet: string;
  /** E.g. "Call with +14155550100 on 2026-11-02". */
  title: string;
  source: ChunkSource;
  /** The call it was said on (calls), or the message it was written in (messages, voice notes, images). */
  callSid?: string;
  messageId?: string;
}

function transcriptHit(hit: SearchHit): TranscriptHit {
  const { chunk, score, snippet } = hit;
  const { source } = chunk;
  const direction =
    source.kind === 'call'
      ? source.speaker === 'caller'
        ? 'inbound'
        : 'outbound'
      : source.kind === 'message'
        ? source.direction
        : 'inbound';
  return {
    customerId: chunk.customerId ?? '',
    channel: chunk.channel ?? '',
    direction,
    body: chunk.text,
    at: chunk.at,
    score,
    snippet,
    title: chunk.title,
    source,
    ...(source.kind === 'call' ? { callSid: source.callSid } : {}),
    ...('messageId' in source ? { messageId: source.messageId } : {}),
  };
}

/** The filters of a transcript search, checked: a bad one is the caller's error, never retried. */
function transcriptFilters(input: {
  channels?: string[];
  kinds?: string[];
  from?: string;
  to?: string;
}): NonNullable<SearchQuery['filters']> {
  const bad = (message: string) => ApplicationFailure.nonRetryable(`searchTranscripts: ${message}`, 'BadInput');
  const channels = input.channels?.map((c) => {
    if (!(CHANNELS as readonly string[]).includes(c))
      throw bad(`unknown channel "${c}" (one of ${CHANNELS.join(', ')})`);
    return c as Channel;
  });
  const kinds = (input.kinds ?? CONVERSATION_KINDS).map((k) => {
    if (!(CONVERSATION_KINDS as readonly string[]).includes(k))
      throw bad(`unknown kind "${k}" (one of ${CONVERSATION_KINDS.join(', ')})`);
    return k as ConversationKind;
  });
  for (const [name, value] of [
    ['from', input.from],
    ['to', input.to],
  ] as const)
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw bad(`"${name}" is not a date (ISO 8601)`);
  return {
    kinds,
    ...(channels?.length ? { channels } : {}),
    ...(input.from !== undefined ? { from: new Date(input.from).toISOString() } : {}),
    ...(input.to !== undefined ? { to: new Date(input.to).toISOString() } : {}),
  };
}

function accountFor(deps: PlatformDeps, accountSid: string | undefined): string {
  const account = accountSid ? deps.twilio.get(accountSid) : deps.twilio.list()[0];
  if (!account)
    throw ApplicationFailure.nonRetryable(
      accountSid ? `Twilio account ${accountSid} is not configured` : 'no Twilio account is configured',
      'UnknownAccount',
    );
  return account.accountSid;
}

/** Our number on the recipient's channel: the given one, else the account's first number on that channel. */
function senderFor(deps: PlatformDeps, accountSid: string, to: string, from: string | undefined): string {
  if (from) return from;
  const whatsapp = parseTwilioAddress(to).channel === 'whatsapp';
  const numbers = deps.twilio.get(accountSid)?.phoneNumbers ?? [];
  const sender = numbers.find((n) => n.startsWith('whatsapp:') === whatsapp);
  if (!sender)
    throw ApplicationFailure.nonRetryable(
      `no ${whatsapp ? 'WhatsApp sender' : 'phone number'} configured to send from: list one in the account's phoneNumbers or pass "from"`,
      'NoSender',
    );
  return sender;
}

/** How far Twilio's clock may be from ours when an earlier attempt's call is looked for. */
const CLOCK_SKEW_MS = 60_000;

/**
 * A call an earlier attempt placed whose answer was lost: the newest from → to created since the
 * intent, and not already claimed by another placed call of ours.
 */
async function placedEarlier(
  deps: PlatformDeps,
  calls: ReturnType<PlatformDeps['twilio']['client']>['calls'],
  request: { to: string; from: string; since: Date },
): Promise<{ callSid: string } | undefined> {
  let recent: Array<{ sid: string; dateCreated: Date }>;
  try {
    recent = await calls.list({ to: request.to, from: request.from, limit: 20 });
  } catch (error) {
    throw twilioFailure(error, 'look up an earlier attempt of the call');
  }
  for (const call of recent) {
    if (call.dateCreated.getTime() < request.since.getTime() - CLOCK_SKEW_MS) continue;
    if (!(await deps.sideEffects.claimed('outbound-call', 'callSid', call.sid))) return { callSid: call.sid };
  }
  return undefined;
}

/**
 * The built-in activities user workflows may call (through `platform` in workflows/platform.ts).
 * Each is an ordinary Temporal activity: retried durably, visible in the Web UI.
 */
export function createPlatformActivities(deps: PlatformDeps) {
  return {
    /**
     * SMS, or WhatsApp when `to` is `whatsapp:+E164`; recorded in the recipient's history and sent
     * once per activity (a retried attempt finds the first one's message).
     */
    async sendText(input: {
      to: string;
      body: string;
      from?: string;
      accountSid?: string;
    }): Promise<{ messageSid: string }> {
      if (!input.body.trim()) throw ApplicationFailure.nonRetryable('sendText needs a non-empty body', 'BadInput');
      const accountSid = accountFor(deps, input.accountSid);
      const from = senderFor(deps, accountSid, input.to, input.from);
      const { workflowExecution, activityId } = Context.current().info;
      const sent = await sendSms(deps, {
        idempotencyKey: `text:${workflowExecution?.workflowId ?? 'standalone'}:${activityId}`,
        customerId: await deps.identities.resolve(accountSid, input.to),
        accountSid,
        from,
        to: input.to,
        body: input.body,
        // Outside WhatsApp's 24-hour window: the account's default template, else refused.
        purpose: 'notification',
      });
      return { messageSid: sent.twilioSid };
    },

    /**
     * An outbound call that runs the same voice agent loop as an incoming one (never to an
     * opted-out number: `OptedOut`): when the callee
     * answers, Twilio fetches the same TwiML from `/twilio/voice/incoming` (with the call's sid,
     * so the media stream's token can be bound to it).
     */
    async placeCall(input: {
      to: string;
      from?: string;
      accountSid?: string;
      record?: boolean;
    }): Promise<{ callSid: string }> {
      const accountSid = accountFor(deps, input.accountSid);
      const from = senderFor(deps, accountSid, input.to, input.from);
      const config = deps.config();
      const urls = callbackUrls(config, accountSid);
      const record = input.record ?? config.voice.record;
      const { workflowExecution, activityId } = Context.current().info;
      const key = `call:${workflowExecution?.workflowId ?? 'standalone'}:${activityId}`;
      await refuseIfOptedOut(deps, { accountSid, from, to: input.to, key }, 'call');
      const calls = deps.twilio.client(accountSid).calls;
      // Twilio's Calls API takes no idempotency key: the call is recorded as intended before it is
      // placed, and a retry that finds the intent looks for the call an earlier attempt placed.
      return actOnce(deps.sideEffects, key, 'outbound-call', {
        findEarlier: (since) => placedEarlier(deps, calls, { to: input.to, from, since }),
        act: async () => {
          try {
            const call = await calls.create({
              to: input.to,
              from,
              // Tells the gateway whether this call is recorded: the callee hears the announcement first.
              url: placedCallAnswerUrl(config.publicUrl, record),
              statusCallback: urls.callStatus,
              statusCallbackEvent: urls.callStatusEvents,
              ...(record
                ? {
                    record: true,
                    recordingStatusCallback: urls.recordingStatus,
                    recordingStatusCallbackEvent: ['completed', 'absent'],
                  }
                : {}),
            });
            return { callSid: call.sid };
          } catch (error) {
            throw twilioFailure(error, 'place the call');
          }
        },
      });
    },

    /** Replaces a live call's TwiML with a `<Dial>` to `to` (a person or a queue's number). */
    async transferCall(input: {
      callSid: string;
      to: string;
      accountSid?: string;
      announce?: string;
    }): Promise<{ transferred: true }> {
      const accountSid = accountFor(deps, input.accountSid);
      const calls = deps.twilio.client(accountSid).calls;
      try {
        // A `<Dial>` makes a child leg: a call that has one was transferred (by an attempt whose answer was lost).
        const [leg] = await calls.list({ parentCallSid: input.callSid, limit: 1 });
        if (!leg)
          await calls(input.callSid).update({
            twiml: transferTwiml(input.to, input.announce ? { announce: input.announce } : {}),
          });
        return { transferred: true };
      } catch (error) {
        throw twilioFailure(error, 'transfer the call');
      }
    },

    /** One question to the model, answered in plain text (classification, summaries, drafting). */
    async askAgent(input: { prompt: string; system?: string; maxTokens?: number }): Promise<{ text: string }> {
      const model = deps.chatModel();
      if (!model)
        throw ApplicationFailure.nonRetryable(
          "askAgent needs the default agent's model: set ANTHROPIC_API_KEY (or its model's apiKeyEnv)",
          'NotConfigured',
        );
      const reply = await model.complete({
        system:
          input.system ??
          'You are a precise assistant inside an automation. Answer exactly what is asked, briefly, with no preamble.',
        items: [userMessage(input.prompt)],
        maxTokens: input.maxTokens ?? 256,
      });
      return { text: reply.text.trim() };
    },

    /** Brings a person in (on-call SMS, or a participant in a Conversation), once per `key`. */
    async escalate(input: {
      reason: string;
      urgency?: 'normal' | 'urgent';
      customerAddress: string;
      agentAddress: string;
      accountSid?: string;
      conversationSid?: string;
      key?: string;
    }): Promise<{ escalated: true; via: string }> {
      const accountSid = accountFor(deps, input.accountSid);
      const customerId = await deps.identities.resolve(accountSid, input.customerAddress);
      const idempotencyKey = input.key ?? Context.current().info.workflowExecution?.workflowId ?? 'escalation';
      const context = {
        customerId,
        accountSid,
        customerAddress: input.customerAddress,
        agentAddress: input.agentAddress,
        // No model here: the caller's key stands in for the tool-use id, which tools use as their idempotency key.
        toolCallId: idempotencyKey,
        ...(input.conversationSid ? { conversationSid: input.conversationSid } : {}),
      };
      return escalateToPerson(deps, context, { reason: input.reason, urgency: input.urgency ?? 'normal' });
    },

    /** What the agent remembers about a person: summary and recent messages (by customer id or any of their addresses). */
    async fetchMemory(input: {
      customerId?: string;
      address?: string;
      /** The account the address belongs to (customers are per account); default: the first configured. */
      accountSid?: string;
      recentMessages?: number;
    }): Promise<{
      customerId?: string;
      summary?: string;
      recent: Array<{ direction: string; channel: string; body: string; at: string }>;
    }> {
      const customerId =
        input.customerId ??
        (input.address ? await deps.identities.find(accountFor(deps, input.accountSid), input.address) : undefined);
      if (!customerId) return { recent: [] };
      const [memory, recent] = await Promise.all([
        deps.memory.get(customerId),
        deps.messages.recent(customerId, input.recentMessages ?? 20),
      ]);
      return {
        customerId,
        ...(memory?.summary ? { summary: memory.summary } : {}),
        recent: recent.map((m) => ({
          direction: m.direction,
          channel: m.channel,
          body: m.body,
          at: m.createdAt.toISOString(),
        })),
      };
    },

    /**
     * Searches conversations (call transcripts, messages, voice notes' transcripts, images'
     * descriptions) by meaning and by words, best first, within one account (`accountSid`, default
     * the first configured) and, with `customerId`, one customer's history. Filters: channels, kinds,
     * a time range. `mode` says what ran (`lexical` when no embedding provider is configured).
     */
    async searchTranscripts(input: {
      query: string;
      customerId?: string;
      /** Only this account's conversations (default: the first configured account; never another's). */
      accountSid?: string;
      /** At most this many hits (default 20, at most 50). */
      limit?: number;
      channels?: Channel[];
      kinds?: ConversationKind[];
      /** ISO 8601 bounds on when it was said, inclusive. */
      from?: string;
      to?: string;
    }): Promise<{ hits: TranscriptHit[]; mode: SearchMode; degraded?: string }> {
      if (typeof input.query !== 'string' || !input.query.trim())
        throw ApplicationFailure.nonRetryable('searchTranscripts needs a query', 'BadInput');
      const limit = input.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRANSCRIPT_HITS)
        throw ApplicationFailure.nonRetryable(
          `searchTranscripts: limit must be a whole number from 1 to ${MAX_TRANSCRIPT_HITS}`,
          'BadInput',
        );
      const accountSid = accountFor(deps, input.accountSid);
      const result = await deps.knowledge.search({
        text: input.query.trim(),
        scope: { accountSid, ...(input.customerId ? { customerIds: [input.customerId] } : { allCustomers: true }) },
        filters: transcriptFilters(input),
        limit,
      });
      return {
        hits: result.hits.map(transcriptHit),
        mode: result.mode,
        ...(result.degraded ? { degraded: result.degraded } : {}),
      };
    },
  };
}
