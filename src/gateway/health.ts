import type { HealthOptions } from '../health/options';
import { platformChecks, type PlatformCheckDeps } from '../health/platform-checks';
import { healthReport, type HealthReport, type WhenDown } from '../health/status';

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

/** The gateway's `/health`: the shared checks, each bounded in time, Twilio's cached. */
export function gatewayHealth(deps: PlatformCheckDeps, options: HealthOptions = {}): () => Promise<HealthReport> {
  const checks = platformChecks(deps, options);
  return async () => healthReport(await checks(), GATEWAY_WHEN_DOWN);
}
