import type { Worker } from '@temporalio/worker';
import { providerUrls, reachableCheck } from '../health/checks';
import { PROVIDER_CACHE_MS, type HealthOptions } from '../health/options';
import { platformChecks, type PlatformCheckDeps } from '../health/platform-checks';
import { ProbeCache } from '../health/probe';
import { healthReport, type HealthCheck, type HealthReport, type WhenDown } from '../health/status';

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
  deps: PlatformCheckDeps & {
    /** The worker once created (undefined while connecting or migrating). */
    worker: () => Pick<Worker, 'getState'> | undefined;
  },
  options: HealthOptions = {},
): () => Promise<HealthReport> {
  const shared = platformChecks(deps, options);
  const providerCache = new ProbeCache(PROVIDER_CACHE_MS);
  return async () => {
    const [checks, llm] = await Promise.all([
      shared(),
      reachableCheck(providerUrls(deps.config.get()).llm, providerCache),
    ]);
    return healthReport({ worker: workerCheck(deps.worker()), ...checks, llm }, ORCHESTRATOR_WHEN_DOWN);
  };
}
