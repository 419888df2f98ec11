import type { BelugaEvent } from '../src/events/catalog';
import type { EventDispatcher } from '../src/events/dispatcher';
import type { PlatformEvent } from '../src/events/event-log';

export interface EventDeps {
  dispatcher: EventDispatcher;
}

/** Workflows record and route platform events through these; idempotent by event id. */
export function createEventActivities(deps: EventDeps) {
  return {
    /** Older name kept for histories that scheduled it: records and routes an internal event. */
    async appendEvent(
      event: Omit<PlatformEvent, 'occurredAt'> & { occurredAt: string },
    ): Promise<{ recorded: boolean }> {
      const { recorded } = await deps.dispatcher.publish({
        ...event,
        version: 1,
        source: event.source ?? 'beluga',
      } as BelugaEvent);
      return { recorded };
    },

    async publishEvent(event: BelugaEvent): Promise<{ recorded: boolean; routedTo: string[] }> {
      return deps.dispatcher.publish(event);
    },
  };
}
