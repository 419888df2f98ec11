import type { Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import {
  configCheck,
  DEFAULT_TASK_QUEUE_THRESHOLDS,
  mongoCheck,
  taskQueueCheck,
  temporalCheck,
  twilioAccountProbes,
  twilioCheck,
  twilioRateLimitCheck,
} from '../health/checks';
import { DEFAULT_RATE_LIMIT_WINDOW_MS, DEFAULT_TWILIO_CACHE_MS, type HealthOptions } from '../health/options';
import { ProbeCache } from '../health/probe';
import { healthReport, type HealthReport, type WhenDown } from '../health/status';
import { TwilioAccounts } from '../telephony/twilio/accounts';
import type { Knowledge } from '../knowledge/knowledge';
import { knowledgeCheck } from '../knowledge/health-check';

/**
 * What a failed check does to the gateway. Without MongoDB it cannot accept a webhook (unhealthy:
 * 503); without Temporal it still does, into the durable inbox its relay drains later (degraded). Without an orchestrator polling, webhooks are still accepted durably and are
 * answered once one polls again: taking the gateway out would lose acceptance, not help (degraded).
 * With every Twilio account's credentials rejected, every signature check fails too (unhealthy);
 * with some, only their traffic does (the check itself is then degraded).
 */
export const GATEWAY_WHEN_DOWN: Record<string, WhenDown> = {
  temporal: 'degraded',
  mongodb: 'unhealthy',
  taskQueue: 'degraded',
  twilio: 'unhealthy',
  // Operator search fails without the store; webhooks and calls do not need it.
  knowledge: 'degraded',
};

/** The gateway's `/health`: its checks run in parallel, each bounded in time, Twilio's cached. */
export function gatewayHealth(
  deps: { config: ConfigStore; temporal: Connection; mongo: MongoClient; knowledge?: Knowledge },
  options: HealthOptions = {},
): () => Promise<HealthReport> {
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
    const checks = {
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
    return healthReport(checks, GATEWAY_WHEN_DOWN);
  };
}
