import { ApplicationFailure } from '@temporalio/activity';
import type { ChatModel } from '../src/agent/chat-model';
import { toAlternatingTurns } from '../src/agent/chat-model';
import type { Config } from '../src/config/schema';
import type { MessageStore } from '../src/memory/message-store';
import { parseTwilioAddress } from '../src/messaging/addresses';
import type { InboundMessage } from '../src/messaging/inbound';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { isRetryableTwilioError, twilioErrorCode } from '../src/telephony/twilio/errors';

export interface MessagingDeps {
  config: () => Config;
  messages: MessageStore;
  twilio: TwilioAccounts;
  /** Undefined when no model is configured; generateReply then fails without retrying. */
  chatModel: () => ChatModel | undefined;
}

export interface SendMessageInput {
  /** Same key, same message: a retried activity never sends twice once Twilio accepted it. */
  idempotencyKey: string;
  customerId: string;
  accountSid: string;
  from: string;
  to: string;
  body?: string;
  /** Send the configured polite fallback instead of `body`. */
  fallback?: boolean;
}

const HISTORY_TURNS = 40;

export function createMessagingActivities(deps: MessagingDeps) {
  return {
    /** Stores the inbound message in the customer's history (idempotent by MessageSid). */
    async recordInbound(input: { customerId: string; message: InboundMessage }): Promise<void> {
      const { message } = input;
      await deps.messages.recordOnce({
        id: message.messageSid,
        customerId: input.customerId,
        accountSid: message.accountSid,
        direction: 'inbound',
        channel: message.channel,
        from: message.from,
        to: message.to,
        body: message.body,
        media: message.media,
        status: 'received',
        createdAt: new Date(message.receivedAt),
      });
    },

    /** Asks the model for the next reply, given the customer's recent history across channels. */
    async generateReply(input: { customerId: string }): Promise<{ text: string }> {
      const model = deps.chatModel();
      if (!model) throw ApplicationFailure.nonRetryable('No language model configured (set ANTHROPIC_API_KEY)', 'LlmNotConfigured');
      const history = await deps.messages.recent(input.customerId, HISTORY_TURNS);
      const turns = toAlternatingTurns(
        history.map((m) => ({ role: m.direction === 'inbound' ? 'user' : 'assistant', content: m.body }) as const),
      );
      if (turns.length === 0) throw ApplicationFailure.nonRetryable('Nothing to answer: history is empty', 'EmptyHistory');
      const reply = await model.complete({ system: deps.config().agent.systemPrompt, messages: turns });
      const text = reply.text.trim();
      if (!text) throw ApplicationFailure.retryable('The model returned an empty reply', 'EmptyReply');
      return { text };
    },

    /** Sends a message through Twilio's Messages API on the customer's channel, once. */
    async sendMessage(input: SendMessageInput): Promise<{ twilioSid: string }> {
      const body = input.fallback ? deps.config().agent.fallbackReply : input.body;
      if (!body) throw ApplicationFailure.nonRetryable('sendMessage needs a body or fallback', 'BadInput');
      const already = await deps.messages.get(input.idempotencyKey);
      if (already?.twilioSid) return { twilioSid: already.twilioSid };
      await deps.messages.recordOnce({
        id: input.idempotencyKey,
        customerId: input.customerId,
        accountSid: input.accountSid,
        direction: 'outbound',
        channel: parseTwilioAddress(input.to).channel,
        from: input.from,
        to: input.to,
        body,
        status: 'sending',
      });
      const statusCallback = `${deps.config().publicUrl.replace(/\/+$/, '')}/twilio/messaging/status`;
      try {
        const sent = await deps.twilio.client(input.accountSid).messages.create({ to: input.to, from: input.from, body, statusCallback });
        await deps.messages.markSent(input.idempotencyKey, sent.sid, sent.status);
        return { twilioSid: sent.sid };
      } catch (error) {
        if (isRetryableTwilioError(error)) throw error;
        // 4xx other than 429: retrying cannot help (invalid number, unsubscribed...).
        throw ApplicationFailure.nonRetryable(`Twilio refused the message: ${(error as Error).message}`, `Twilio${twilioErrorCode(error) ?? 'Error'}`);
      }
    },
  };
}
