import type { TaskQueueThresholds } from './checks';

/** Thresholds and cache times of a process's `/health` (tests shorten them). */
export interface HealthOptions {
  /** How long a Twilio account check is reused (default 60 s). */
  twilioCacheMs?: number;
  /** How far back a Twilio 429 makes the process degraded (default 5 min). */
  rateLimitWindowMs?: number;
  taskQueue?: TaskQueueThresholds;
}

export const DEFAULT_TWILIO_CACHE_MS = 60_000;
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 5 * 60_000;
/** Provider reachability is reused this long (a HEAD each, no tokens). */
export const PROVIDER_CACHE_MS = 30_000;
