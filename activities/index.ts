import { createConsentActivities, type ConsentDeps } from './consent';
import { createConversationActivities, type ConversationDeps } from './conversations';
import { createDeliveryActivities, type DeliveryDeps } from './delivery';
import { createEventActivities, type EventDeps } from './events';
import { createExternalToolActivities, type ExternalToolDeps } from './external-tools';
import { createMediaActivities, type MediaDeps } from './media';
import { createMessagingActivities, type MessagingDeps } from './messaging';
import { createToolActivities } from './tools';
import { createWebhookActivities, type WebhookDeps } from './webhooks';
import { createPlatformActivities, type PlatformDeps } from './platform';
import { createCustomActivities } from './custom';
import { createCallActivities, type CallDeps } from './calls';
import { createCustomerRecordActivities, type CustomerRecordDeps } from './customer-records';
import { createRecordingRetentionActivities, type RecordingRetentionDeps } from './recording-retention';
import { createConversationIndexActivities, type ConversationIndexDeps } from './conversation-index';
import { createKnowledgeActivities, type DocumentIngestionDeps } from './knowledge';
import { createTakeoverActivities, type TakeoverDeps } from './takeover';
import type { ToolDeps } from '../src/agents/tools/built-in-tool';
import type { Knowledge } from '../src/knowledge/knowledge';

/** The knowledge store, for the indexing and retrieval activities. */
interface KnowledgeDeps {
  knowledge: Knowledge;
}

export type ActivityDeps = MessagingDeps &
  DeliveryDeps &
  MediaDeps &
  ToolDeps &
  ConversationDeps &
  EventDeps &
  WebhookDeps &
  PlatformDeps &
  CallDeps &
  ConsentDeps &
  CustomerRecordDeps &
  RecordingRetentionDeps &
  ExternalToolDeps &
  ConversationIndexDeps &
  KnowledgeDeps &
  DocumentIngestionDeps &
  TakeoverDeps;

function builtInActivities(deps: ActivityDeps) {
  return {
    ...createMessagingActivities(deps),
    ...createDeliveryActivities(deps),
    ...createMediaActivities(deps),
    ...createEventActivities(deps),
    ...createToolActivities(deps),
    ...createConversationActivities(deps),
    ...createWebhookActivities(deps),
    ...createPlatformActivities(deps),
    ...createCallActivities(deps),
    ...createConsentActivities(deps),
    ...createCustomerRecordActivities(deps),
    ...createRecordingRetentionActivities(deps),
    ...createExternalToolActivities(deps),
    ...createConversationIndexActivities(deps),
    ...createKnowledgeActivities(deps),
    ...createTakeoverActivities(deps),
  };
}

/** All activities, built from their dependencies so tests hand in real or emulated clients. */
export function createActivities(deps: ActivityDeps) {
  const builtIn = builtInActivities(deps);
  const custom = createCustomActivities(deps);
  const clash = Object.keys(custom).find((name) => name in builtIn);
  // A user's activity must never silently replace a built-in one.
  if (clash) throw new Error(`activities/custom defines "${clash}", which is a built-in activity name: rename it`);
  return { ...builtIn, ...custom };
}

export type Activities = ReturnType<typeof createActivities>;
