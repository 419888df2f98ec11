import type { EventLog, PlatformEvent } from '../src/events/event-log';

export interface EventDeps {
  events: EventLog;
}

/** Workflows record platform events (agent fallback, ...) through this; idempotent by event id. */
export function createEventActivities(deps: EventDeps) {
  return {
    async appendEvent(event: Omit<PlatformEvent, 'occurredAt'> & { occurredAt: string }): Promise<{ recorded: boolean }> {
      return { recorded: await deps.events.append({ ...event, occurredAt: new Date(event.occurredAt) }) };
    },
  };
}
