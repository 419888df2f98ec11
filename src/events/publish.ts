import type { BelugaEvent } from './catalog';

export interface DispatchResult {
  /** False when the event log already had this id (a redelivery). */
  recorded: boolean;
  /** Workflows and webhook subscribers the event was routed to (by name). */
  routedTo: string[];
}

/**
 * Records and routes one event (EventDispatcher.publish), idempotent by the event id. Code that only
 * publishes takes this function rather than the dispatcher, so it does not depend on the Temporal client.
 */
export type PublishEvent = (event: BelugaEvent) => Promise<DispatchResult>;
