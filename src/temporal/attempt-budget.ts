import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * How long the activity attempt running this code has left before Temporal times it out and
 * schedules the next one. A request still in flight at that moment races the retry: both may act
 * (two texts, two transfers). So every outgoing request of an attempt is bounded by what is left
 * of it, minus a margin for recording the answer — see `src/temporal/retry-policies.ts` for the rule.
 */
interface Attempt {
  startedAt: number;
  startToCloseMs: number;
}

const attempts = new AsyncLocalStorage<Attempt>();

/** Time kept back at the end of an attempt to record what the last request did. */
export const RECORDING_MARGIN_MS = 1_500;

/** Remembers when each activity attempt started (on this worker's clock), for {@link attemptTimeLeftMs}. */
export const attemptBudgetInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) =>
      attempts.run({ startedAt: Date.now(), startToCloseMs: ctx.info.startToCloseTimeoutMs }, () => next(input)),
  },
});

/** Milliseconds left in the current activity attempt, less the recording margin; undefined outside an activity. */
export function attemptTimeLeftMs(now = Date.now()): number | undefined {
  const attempt = attempts.getStore();
  if (!attempt || !attempt.startToCloseMs) return undefined;
  return attempt.startedAt + attempt.startToCloseMs - RECORDING_MARGIN_MS - now;
}

/** Runs `fn` as if inside an activity attempt of `startToCloseMs` (tests of code that reads the budget). */
export function withinAttempt<T>(startToCloseMs: number, fn: () => T): T {
  return attempts.run({ startedAt: Date.now(), startToCloseMs }, fn);
}
