import type { TakeoverView } from '../src/gateway/api-types';
import { makeEvent } from '../src/events/make-event';
import type { PublishEvent } from '../src/events/publish';
import type { MessageStore } from '../src/memory/message-store';
import { parseTwilioAddress } from '../src/messaging/addresses';
import type { TakeoverStore } from '../src/takeover/takeover-store';
import type { ReplyRoute } from '../workflows/customer/contract';

export interface TakeoverDeps {
  takeovers: TakeoverStore;
  messages: MessageStore;
  publish: PublishEvent;
}

/** A takeover change the workflow announces with its store write. */
export interface TakeoverEvent {
  id: string;
  type: 'takeover.paused' | 'takeover.replied' | 'takeover.handed_back';
  replyId?: string;
  status?: 'sent' | 'failed';
  error?: string;
}

/** The customer workflow's takeover steps (local activities: short database writes and reads). */
export function createTakeoverActivities(deps: TakeoverDeps) {
  return {
    /** Stores who answers the customer now (a newer revision wins) and publishes the change, if any. */
    async saveTakeover(input: { view: TakeoverView; revision: number; event?: TakeoverEvent }): Promise<void> {
      const { view, event } = input;
      await deps.takeovers.save(view, input.revision);
      if (!event) return;
      await deps.publish(
        makeEvent(event.type, {
          id: event.id,
          source: 'beluga',
          accountSid: view.accountSid,
          customerId: view.customerId,
          data: {
            state: view.state,
            ...(view.origin ? { origin: view.origin } : {}),
            ...(view.reason ? { reason: view.reason } : {}),
            ...(view.operatorId ? { operatorId: view.operatorId } : {}),
            ...(view.operatorName ? { operatorName: view.operatorName } : {}),
            ...(event.replyId ? { replyId: event.replyId } : {}),
            ...(event.status ? { status: event.status } : {}),
            ...(event.error ? { error: event.error } : {}),
          },
        }),
      );
    },

    /**
     * Where a person's reply goes when the workflow has not seen the customer write in this run:
     * their newest inbound text message (our address is its `to`), else their newest call (texted
     * from the number they called). None when they never wrote or called.
     */
    async findReplyRoute(input: { customerId: string }): Promise<ReplyRoute | undefined> {
      const latest = await deps.messages.latestInbound(input.customerId);
      if (!latest) return undefined;
      if (latest.channel === 'conversations' && !latest.conversationSid) return undefined;
      const channel = latest.channel === 'voice' ? parseTwilioAddress(latest.from).channel : latest.channel;
      return {
        accountSid: latest.accountSid,
        channel,
        customerAddress: latest.from,
        businessAddress: latest.to,
        ...(latest.conversationSid ? { conversationSid: latest.conversationSid } : {}),
      };
    },
  };
}
