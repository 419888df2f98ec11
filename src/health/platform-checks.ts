import type { Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import type { Knowledge } from '../knowledge/knowledge';
import { knowledgeCheck } from '../knowledge/health-check';
import { TwilioAccounts } from '../telephony/twilio/accounts';
import {
  configCheck,
  DEFAULT_TASK_QUEUE_THRESHOLDS,
  mongoCheck,
  taskQueueCheck,
  temporalCheck,
  twilioAccountProbes,
  twilioCheck,
  twilioRateLimitCheck,
} from './checks';
import { DEFAULT_RATE_LIMIT_WINDOW_MS, DEFAULT_TWILIO_CACHE_MS, type HealthOptions } from './options';
import { ProbeCache } from './probe';
import type { HealthCheck } from './status';

export interface PlatformCheckDeps {
  config: ConfigStore;
  /** A client connection (DescribeTaskQueue, system info). */
  temporal: Connection;
  mongo: MongoClient;
  knowledge?: Knowledge;
}

/**
 * The checks the gateway and the orchestrator share (Temporal, MongoDB, the task queue, Twilio's
 * credentials (cached) and rate limits, the configuration, the knowledge store), run in parallel;
 * each process adds its own and decides what a failure means to it.
 */
export function platformChecks(
  deps: PlatformCheckDeps,
  options: HealthOptions = {},
): () => Promise<Record<string, HealthCheck>> {
  const twilio = new TwilioAccounts(deps.config);
  const twilioCache = new ProbeCache(options.twilioCacheMs ?? DEFAULT_TWILIO_CACHE_MS);
  return async () => {
    const config = deps.config.get();
    const [temporal, mongodb, taskQueue, twilioAccounts, knowledge] = await Promise.all([
      temporalCheck(deps.temporal),
      mongoCheck(deps.mongo),
      taskQueueCheck(deps.temporal, config.temporal, options.taskQueue ?? DEFAULT_TASK_QUEUE_THRESHOLDS),
      twilioCheck(twilioAccountProbes(twilio), twilioCache),
      deps.knowledge ? knowledgeCheck(deps.knowledge) : undefined,
    ]);
    return {
      temporal,
      mongodb,
      taskQueue,
      twilio: twilioAccounts,
      twilioRateLimits: twilioRateLimitCheck(
        config.twilio.accounts,
        options.rateLimitWindowMs ?? DEFAULT_RATE_LIMIT_WINDOW_MS,
      ),
      config: configCheck(config),
      ...(knowledge ? { knowledge } : {}),
    };
  };
}
