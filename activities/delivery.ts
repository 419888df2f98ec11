import { messageStatusEventType } from '../src/events/catalog';
import { makeEvent } from '../src/events/make-event';
import type { PublishEvent } from '../src/events/publish';
import type { DeliveryStatusStore } from '../src/messaging/delivery-status';
import type { MessageStatusCallback } from '../src/messaging/status-callback';
import type { MessageStore } from '../src/memory/message-store';

export interface DeliveryDeps {
  deliveryStatus: DeliveryStatusStore;
  messages: Pick<MessageStore, 'bindTwilioSid'>;
  publish: PublishEvent;
}

export function createDeliveryActivities(deps: DeliveryDeps) {
  return {
    /** Records a status callback (forward-only) and emits `message.<status>`; failures carry their error code. */
    async recordDeliveryStatus(callback: MessageStatusCallback): Promise<{ applied: boolean }> {
      const at = new Date(callback.receivedAt);
      // A send whose answer was lost learns its sid here: its retry then finds it sent.
      if (callback.sendKey)
        await deps.messages.bindTwilioSid(callback.sendKey, callback.accountSid, callback.messageSid);
      const outcome = await deps.deliveryStatus.apply({
        twilioSid: callback.messageSid,
        status: callback.status,
        errorCode: callback.errorCode,
        accountSid: callback.accountSid,
        at,
      });
      await deps.publish(
        makeEvent(messageStatusEventType(callback.status), {
          id: `message.${callback.status}:${callback.messageSid}`,
          occurredAt: at,
          accountSid: callback.accountSid,
          data: {
            messageSid: callback.messageSid,
            status: callback.status,
            ...(callback.errorCode ? { errorCode: callback.errorCode } : {}),
            to: callback.to,
            from: callback.from,
            stale: outcome === 'stale',
          },
        }),
      );
      return { applied: outcome === 'applied' };
    },
  };
}
