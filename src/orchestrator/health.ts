import type { Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import {
  DEFAULT_RATE_LIMIT_WINDOW_MS,
  DEFAULT_TWILIO_CACHE_MS,
  PROVIDER_CACHE_MS,
  type HealthOptions,
} from '../health/options';
import {
  configCheck,
  DEFAULT_TASK_QUEUE_THRESHOLDS,
  mongoCheck,
  providerUrls,
  reachableCheck,
  taskQueueCheck,
  temporalCheck,
  twilioAccountProbes,
  twilioCheck,
  twilioRateLimitCheck,
} from '../health/checks';
import { ProbeCache } from '../health/probe';
import { healthReport, type HealthCheck, type HealthReport, type WhenDown } from '../health/status';
import { TwilioAccounts } from '../telephony/twilio/accounts';
import type { Knowledge } from '../knowledge/knowledge';
import { knowledgeCheck } from '../knowledge/health-check';

/**
 * What a failed check does to the orchestrator. Its own worker not running, Temporal or MongoDB
 * down: it does no work (unhealthy). Tasks backing up while it polls: it is behind, not dead
 * (degraded). The LLM unreachable: replies wait in durable retries (degraded). Every Twilio
 * account rejected: it can send nothing (unhealthy).
 */
export const ORCHESTRATOR_WHEN_DOWN: Record<string, WhenDown> = {
  worker: 'unhealthy',
  temporal: 'unhealthy',
  mongodb: 'unhealthy',
  taskQueue: 'degraded',
  twilio: 'unhealthy',
  llm: 'degraded',
  // Indexing activities retry until the store is back; conversations go on without it.
  knowledge: 'degraded',
};

function workerCheck(worker: Pick<Worker, 'getState'> | undefined): HealthCheck {
  const state = worker?.getState();
  return state === 'RUNNING'
    ? { status: 'ok', detail: 'the worker is polling' }
    : { status: 'down', detail: `the worker is ${state?.toLowerCase() ?? 'not started'}` };
}

export function orchestratorHealth(
  deps: {
    config: ConfigStore;
    /** A client connection (DescribeTaskQueue, system info). */
    temporal: Connection;
    mongo: MongoClient;
    /** The worker once created (undefined while connecting or migrating). */
    worker: () => Pick<Worker, 'getState'> | undefined;
    knowledge?: Knowledge;
  },
  options: HealthOptions = {},
): () => Promise<HealthReport> {
  const twilio = new TwilioAccounts(deps.config);
  const twilioCache = new ProbeCache(options.twilioCacheMs ?? DEFAULT_TWILIO_CACHE_MS);
  const providerCache = new ProbeCache(PROVIDER_CACHE_MS);
  return async () => {
    const config = deps.config.get();
    const [temporal, mongodb, taskQueue, twilioAccounts, llm, knowledge] = await Promise.all([
      temporalCheck(deps.temporal),
      mongoCheck(deps.mongo),
      taskQueueCheck(deps.temporal, config.temporal, options.taskQueue ?? DEFAULT_TASK_QUEUE_THRESHOLDS),
      twilioCheck(twilioAccountProbes(twilio), twilioCache),
      reachableCheck(providerUrls(config).llm, providerCache),
      deps.knowledge ? knowledgeCheck(deps.knowledge) : undefined,
    ]);
    const checks = {
      worker: workerCheck(deps.worker()),
      temporal,
      mongodb,
      taskQueue,
      twilio: twilioAccounts,
      twilioRateLimits: twilioRateLimitCheck(
        config.twilio.accounts,
        options.rateLimitWindowMs ?? DEFAULT_RATE_LIMIT_WINDOW_MS,
      ),
      llm,
      config: configCheck(config),
      ...(knowledge ? { knowledge } : {}),
    };
    return healthReport(checks, ORCHESTRATOR_WHEN_DOWN);
  };
}
