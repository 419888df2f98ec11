import type { ConversationPreEvent } from './webhook';

/**
 * What we answer a pre-event (onMessageAdd, onParticipantAdd, ...). Twilio waits for this answer
 * (5 s timeout) before applying the change: 200 allows it, any 4xx/5xx vetoes it.
 */
export type PreEventDecision = { allow: true } | { allow: false; status: number; reason: string };

/**
 * The veto seam: today every change is allowed. A policy (profanity filter, blocked identities,
 * closed-hours rules) goes here; it must stay fast and must not start workflows.
 */
export function decidePreEvent(_preEvent: ConversationPreEvent): PreEventDecision {
  return { allow: true };
}
