import type { BelugaEvent } from '../src/events/catalog';
import type { PlatformEvent } from '../src/events/event-log';
import type { PublishEvent } from '../src/events/publish';

export interface EventDeps {
  publish: PublishEvent;
}

/** Workflows record and route platform events through these; idempotent by event id. */
export function createEventActivities(deps: EventDeps) {
  return {
    /** Older name kept for histories that scheduled it: records and routes an internal event. */
    async appendEvent(
      event: Omit<PlatformEvent, 'occurredAt'> & { occurredAt: string },
    ): Promise<{ recorded: boolean }> {
      const { recorded } = await deps.publish({
        ...event,
        version: 1,
        source: event.source ?? 'beluga',
      } as BelugaEvent);
      return { recorded };
    },

    async publishEvent(event: BelugaEvent): Promise<{ recorded: boolean; routedTo: string[] }> {
      return deps.publish(event);
    },
  };
}
