import { createMessagingActivities, type MessagingDeps } from './messaging';

export type ActivityDeps = MessagingDeps;

/** All activities, built from their dependencies so tests hand in real or emulated clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMessagingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
