/**
 * Named activity options: timeouts and retry policies, each with the reason for its numbers.
 * Pure data (workflow code imports it, so no Node imports). Changing a value changes what running
 * workflows schedule from then on; the replay fixtures do not record these, but behaviour does.
 *
 * The timeout rule: an activity attempt must end before its `startToCloseTimeout`, or Temporal
 * starts the next attempt while the first one's request is still out, and both act (two texts, two
 * transfers). So no client may wait longer than the attempt has left: every Twilio request is
 * bounded by the attempt's remaining time less a recording margin (`src/temporal/attempt-budget.ts`,
 * applied in `src/telephony/twilio/client.ts`), and a request that would get under a second is not
 * started at all (the attempt fails, retryably). Where no such bound is applied, a policy's
 * `startToCloseTimeout` must exceed the client's request timeout × the requests one attempt makes,
 * plus the margin. Side effects are keyed either way: the bound keeps attempts apart, the keys make
 * an attempt that finds an earlier one's effect stop there (`src/storage/side-effects.ts`).
 */
import type { ActivityOptions } from '@temporalio/common';

/** Backoff shared by every policy below: start at a second, double each attempt. */
const BACKOFF = { initialInterval: '1 second', backoffCoefficient: 2 } as const;

/**
 * A database write or a single Twilio request inside a conversation or a call: retried without
 * limit, at most 30 s apart, so the conversation resumes soon after an outage ends.
 */
export const CONVERSATION_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...BACKOFF, maximumInterval: '30 seconds' },
};

/**
 * The one step of a small event workflow (a status callback, a Conversations event, a follow-up):
 * nobody waits on it, so it is retried until it lands, at most a minute apart.
 */
export const EVENT_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...BACKOFF, maximumInterval: '1 minute' },
};

/** Placing a call: Twilio 429/5xx are retried a few times; a refused number fails at once (non-retryable). */
export const TWILIO_CALL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...BACKOFF, maximumAttempts: 5 },
};

/**
 * An operator waits on the answer: bounded, so a change that cannot be made within minutes fails
 * visibly instead of retrying forever.
 */
export const OPERATOR_WAITING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { ...BACKOFF, maximumInterval: '30 seconds' },
};

/**
 * A caller is waiting on the line: a few quick attempts, not minutes of retries. Shorter than one
 * Twilio request's own timeout (15 s): the attempt's budget lowers it (check and act in 8.5 s at most).
 */
export const CALLER_WAITING: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '300 milliseconds', backoffCoefficient: 2, maximumAttempts: 3 },
};

/**
 * Starting a call's recording races the conversation; bounded, so a Twilio outage cannot hold the
 * call's end for long. Longer than two Twilio requests (15 s each), so a timed-out attempt has given
 * up before the next one lists the call's recordings.
 */
export const CALL_RECORDING: ActivityOptions = {
  startToCloseTimeout: '40 seconds',
  scheduleToCloseTimeout: '3 minutes',
  retry: { ...BACKOFF, maximumInterval: '15 seconds' },
};

/** A model call (reply or summary): slow, and retried only a few times before the fallback answers. */
export const MODEL_CALL: ActivityOptions = {
  startToCloseTimeout: '90 seconds',
  retry: { ...BACKOFF, maximumAttempts: 3 },
};

/**
 * Understanding a message's attachments (downloads of 20 s at most, a voice-note transcription):
 * the activity itself stops at the configured media deadline (messaging.mediaDeadlineSeconds,
 * at most 4 minutes, counted from the first attempt) and saves each attachment as it is done. A
 * dead worker is noticed by its missing heartbeat within 30 s; a few attempts, and 5 minutes in all,
 * after which the customer's queue goes on and hears the attachment could not be read.
 */
export const MEDIA_DIGESTION: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { ...BACKOFF, maximumInterval: '10 seconds', maximumAttempts: 4 },
};

/**
 * Indexing a call's transcript or a conversation's exchange for knowledge search (embedding, then a
 * write to the index): nobody waits on it, but it should land soon after an outage ends, so retried
 * at most 30 s apart for half an hour; then the workflow logs it and goes on (the conversation
 * itself is stored: it can be indexed again). An attempt embeds a few chunks (seconds at most).
 */
export const KNOWLEDGE_INDEXING: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '30 minutes',
  retry: { ...BACKOFF, maximumInterval: '30 seconds' },
};

/**
 * Retrieving knowledge before a reply: the customer is waiting and the reply can be written
 * without it, so one quick retry at most (the activity itself turns a failed search into "none").
 */
export const KNOWLEDGE_RETRIEVAL: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 2 },
};

/** A tool the agent called: a few attempts, then the model hears that it failed and tells the customer. */
export const AGENT_TOOL: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  retry: { ...BACKOFF, maximumAttempts: 5 },
};

/** Users' workflows (workflows/platform.ts) unless they pass their own: bounded at ten attempts. */
export const PLATFORM_DEFAULT: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...BACKOFF, maximumInterval: '1 minute', maximumAttempts: 10 },
};

/**
 * Deleting a recording past its retention at Twilio: nobody waits, but a sweep should end, so a
 * few minutes of attempts (429/5xx, network); a recording still not deleted is tried again by the
 * next sweep.
 */
export const RECORDING_DELETION: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...BACKOFF, maximumInterval: '1 minute', maximumAttempts: 8 },
};

/**
 * An HTTP or MCP tool the agent called (`runHttpTool`, `runMcpTool`): a caller may be waiting, so a
 * few quick attempts. The activity answers the model itself on its last attempt (at most
 * {@link EXTERNAL_TOOL_ATTEMPTS}, fewer if this policy allows fewer), so the workflow always gets a
 * result. Longer than the longest tool timeout the config allows (60 s) plus connecting.
 */
export const EXTERNAL_TOOL_ATTEMPTS = 3;
export const EXTERNAL_TOOL: ActivityOptions = {
  startToCloseTimeout: '75 seconds',
  retry: { initialInterval: '300 milliseconds', backoffCoefficient: 2, maximumAttempts: EXTERNAL_TOOL_ATTEMPTS },
};

/**
 * Indexing one version of a knowledge-base document (read or fetch, extract, chunk, embed, write):
 * minutes for a large document with embeddings, so it heartbeats (a dead worker is noticed within
 * 30 s). A few attempts over a few minutes ride out a provider's or the store's hiccup; after them
 * the document is marked failed and the version indexed before stays searchable. A bad file or URL
 * is not retried: the activity answers `failed` itself.
 */
export const DOCUMENT_INGESTION: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...BACKOFF, maximumInterval: '1 minute', maximumAttempts: 5 },
};
