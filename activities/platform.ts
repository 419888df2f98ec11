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

export interface PlatformDeps extends Omit<ToolDeps, 'verifications'> {
  chatModel: () => ChatModel | undefined;
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

    /** Case-insensitive search of stored conversation text (messages and call transcripts). */
    async searchTranscripts(input: {
      query: string;
      customerId?: string;
      /** Only this account's messages. */
      accountSid?: string;
      limit?: number;
    }): Promise<{ hits: Array<{ customerId: string; channel: string; direction: string; body: string; at: string }> }> {
      if (!input.query.trim()) throw ApplicationFailure.nonRetryable('searchTranscripts needs a query', 'BadInput');
      const hits = await deps.messages.search(input.query, {
        ...(input.customerId ? { customerId: input.customerId } : {}),
        ...(input.accountSid ? { accountSid: input.accountSid } : {}),
        limit: input.limit ?? 20,
      });
      return {
        hits: hits.map((m) => ({
          customerId: m.customerId,
          channel: m.channel,
          direction: m.direction,
          body: m.body,
          at: m.createdAt.toISOString(),
        })),
      };
    },
  };
}
