import { EVENT_VERSION, type BelugaEvent, type EventDataMap, type EventType } from './catalog';

/** Builds an event with the current version; `id` must derive from the provider's ids. */
export function makeEvent<T extends EventType>(
  type: T,
  fields: {
    id: string;
    occurredAt?: Date | string;
    source?: 'twilio' | 'beluga';
    accountSid?: string;
    customerId?: string;
    data: EventDataMap[T];
  },
): BelugaEvent<T> {
  const occurredAt =
    fields.occurredAt === undefined ? new Date().toISOString() : new Date(fields.occurredAt).toISOString();
  return {
    id: fields.id,
    type,
    version: EVENT_VERSION,
    occurredAt,
    source: fields.source ?? 'twilio',
    ...(fields.accountSid ? { accountSid: fields.accountSid } : {}),
    ...(fields.customerId ? { customerId: fields.customerId } : {}),
    data: fields.data,
  };
}
