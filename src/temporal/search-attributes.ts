import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

// Importable from workflow code: @temporalio/common is deterministic-safe.
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const CallSidKey = defineSearchAttributeKey('CallSid', 'KEYWORD');
export const ChannelKey = defineSearchAttributeKey('Channel', 'KEYWORD');
export const AccountSidKey = defineSearchAttributeKey('AccountSid', 'KEYWORD');
export const EventTypeKey = defineSearchAttributeKey('EventType', 'KEYWORD');

/** Every search attribute the project registers, by name, all Keyword. */
export const PROJECT_SEARCH_ATTRIBUTES = [CustomerIdKey, CallSidKey, ChannelKey, AccountSidKey, EventTypeKey].map(
  (k) => k.name,
);

/** The attributes of a workflow that handles one provider event (a status callback, a Conversations event). */
export function eventSearchAttributes(accountSid: string, eventType: string): SearchAttributePair[] {
  return [
    { key: AccountSidKey, value: accountSid },
    { key: EventTypeKey, value: eventType },
  ];
}
