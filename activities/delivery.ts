import type { EventLog } from '../src/events/event-log';
import { FAILED_STATUSES, type DeliveryStatusStore } from '../src/messaging/delivery-status';
import type { MessageStatusCallback } from '../src/messaging/status-callback';

export interface DeliveryDeps {
  deliveryStatus: DeliveryStatusStore;
  events: EventLog;
}

export function createDeliveryActivities(deps: DeliveryDeps) {
  return {
    /** Records a status callback (forward-only) and emits `message.<status>`; failures carry their error code. */
    async recordDeliveryStatus(callback: MessageStatusCallback): Promise<{ applied: boolean }> {
      const at = new Date(callback.receivedAt);
      const outcome = await deps.deliveryStatus.apply({ twilioSid: callback.messageSid, status: callback.status, errorCode: callback.errorCode, accountSid: callback.accountSid, at });
      await deps.events.append({
        id: `message.${callback.status}:${callback.messageSid}`,
        type: FAILED_STATUSES.has(callback.status) ? 'message.failed' : `message.${callback.status}`,
        occurredAt: at,
        accountSid: callback.accountSid,
        data: { messageSid: callback.messageSid, status: callback.status, ...(callback.errorCode ? { errorCode: callback.errorCode } : {}), to: callback.to, from: callback.from, stale: outcome === 'stale' },
      });
      return { applied: outcome === 'applied' };
    },
  };
}
