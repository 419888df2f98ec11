/**
 * What a user workflow may use: the event types and the platform's built-in activities.
 * Deterministic-safe (workflow code imports only this, `@temporalio/workflow` and types).
 *
 *   import { platform, type BelugaEvent } from '../platform';
 *   export async function myWorkflow(event: BelugaEvent<'message.received'>) { ... }
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createPlatformActivities } from '../activities/platform';
import type { createCustomActivities } from '../activities/custom';
import { PLATFORM_DEFAULT } from '../src/temporal/retry-policies';

/** @public The event types user workflows are written against. */
export type { BelugaEvent, EventDataMap, EventType } from '../src/events/catalog';

type PlatformActivities = ReturnType<typeof createPlatformActivities>;
type CustomActivities = ReturnType<typeof createCustomActivities>;

const DEFAULTS: ActivityOptions = PLATFORM_DEFAULT;

/**
 * Built-in activities: `sendText` (SMS/WhatsApp), `placeCall`, `transferCall`, `askAgent`,
 * `escalate`, `fetchMemory`, `searchTranscripts`. Pass options to change timeouts or retries.
 * @public
 */
export function platformActivities(options: ActivityOptions = DEFAULTS) {
  return proxyActivities<PlatformActivities>(options);
}

/** Your own activities from activities/custom/index.ts, typed. */
export function customActivities(options: ActivityOptions = DEFAULTS) {
  return proxyActivities<CustomActivities>(options);
}

export const platform = platformActivities();
