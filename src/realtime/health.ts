import type { Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import { mongoCheck, providerUrls, reachableCheck, temporalCheck } from '../health/checks';
import { PROVIDER_CACHE_MS } from '../health/options';
import { ProbeCache } from '../health/probe';
import { healthReport, type HealthCheck, type HealthReport, type WhenDown } from '../health/status';

/** The worker's calls right now, as its server knows them. */
export interface RealtimeLoad {
  activeCalls: number;
  /** The most calls this worker holds at once, if capped. */
  maxCalls?: number;
  /** Shutting down: finishing and handing over its calls, taking no new ones. */
  draining?: boolean;
}

/**
 * What a failed check does to a realtime worker. Without STT, TTS or the LLM it cannot hold a
 * call (unhealthy: send calls elsewhere); draining, it takes no new ones (unhealthy, so the load
 * balancer stops sending them). Temporal or MongoDB down: calls still run (reports are retried,
 * the default agent answers without memory), so degraded. Full: degraded (200), the worker
 * itself turns calls beyond its cap away.
 */
export const REALTIME_WHEN_DOWN: Record<string, WhenDown> = {
  stt: 'unhealthy',
  tts: 'unhealthy',
  llm: 'unhealthy',
  capacity: 'unhealthy',
  temporal: 'degraded',
  mongodb: 'degraded',
};

export function capacityCheck(load: RealtimeLoad): HealthCheck {
  const calls =
    load.maxCalls === undefined
      ? `${load.activeCalls} call(s), no cap`
      : `${load.activeCalls} of ${load.maxCalls} calls`;
  if (load.draining) return { status: 'down', detail: `draining: taking no new calls (${calls})` };
  if (load.maxCalls !== undefined && load.activeCalls >= load.maxCalls)
    return { status: 'degraded', detail: `full: ${calls}` };
  return { status: 'ok', detail: calls };
}

export function realtimeHealth(deps: {
  config: ConfigStore;
  /** Absent: not checked (a worker without these still answers calls). */
  temporal?: Connection;
  mongo?: MongoClient;
}): (load: RealtimeLoad) => Promise<HealthReport> {
  const providers = new ProbeCache(PROVIDER_CACHE_MS);
  return async (load) => {
    const urls = providerUrls(deps.config.get());
    const [stt, tts, llm, temporal, mongodb] = await Promise.all([
      reachableCheck(urls.stt, providers),
      reachableCheck(urls.tts, providers),
      reachableCheck(urls.llm, providers),
      deps.temporal && temporalCheck(deps.temporal),
      deps.mongo && mongoCheck(deps.mongo),
    ]);
    const checks: Record<string, HealthCheck> = { capacity: capacityCheck(load), stt, tts, llm };
    if (temporal) checks.temporal = temporal;
    if (mongodb) checks.mongodb = mongodb;
    return healthReport(checks, REALTIME_WHEN_DOWN);
  };
}
