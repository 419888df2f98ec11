import { createConversationActivities, type ConversationDeps } from './conversations';
import { createDeliveryActivities, type DeliveryDeps } from './delivery';
import { createEventActivities } from './events';
import { createMediaActivities, type MediaDeps } from './media';
import { createMessagingActivities, type MessagingDeps } from './messaging';
import { createToolActivities } from './tools';
import type { ToolDeps } from '../src/agent/tools/types';

export type ActivityDeps = MessagingDeps & DeliveryDeps & MediaDeps & ToolDeps & ConversationDeps;

/** All activities, built from their dependencies so tests hand in real or emulated clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMessagingActivities(deps),
    ...createDeliveryActivities(deps),
    ...createMediaActivities(deps),
    ...createEventActivities(deps),
    ...createToolActivities(deps),
    ...createConversationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
